package dev.zero.service.rest;

import jakarta.ws.rs.core.Response.Status;

/** A refusal the caller can act on: its status and message reach the client as an {@link dev.zero.api.ApiError}. */
public class ApiException extends RuntimeException {
    private final Status status;

    public ApiException(Status status, String message) {
        super(message);
        this.status = status;
    }

    public Status status() {
        return status;
    }

    public static ApiException notFound(String message) {
        return new ApiException(Status.NOT_FOUND, message);
    }

    public static ApiException badRequest(String message) {
        return new ApiException(Status.BAD_REQUEST, message);
    }

    public static ApiException forbidden(String message) {
        return new ApiException(Status.FORBIDDEN, message);
    }

    public static ApiException conflict(String message) {
        return new ApiException(Status.CONFLICT, message);
    }
}
