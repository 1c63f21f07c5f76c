package dev.zero.service.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import dev.zero.api.ApiError;
import dev.zero.service.catalogue.Db;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.Response.Status;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** The one place that turns exceptions into HTTP answers: always a JSON {@link ApiError}, never a stack trace. */
public class ErrorMappers {
    private static final Logger LOG = Logger.getLogger(ErrorMappers.class);

    static Response error(Status status, String message) {
        return error(status.getStatusCode(), message);
    }

    static Response error(int status, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(new ApiError(status, message)).build();
    }

    @ServerExceptionMapper
    public Response api(ApiException e) {
        return error(e.status(), e.getMessage());
    }

    /** DTO constructors validate their fields; the message names the field. */
    @ServerExceptionMapper
    public Response invalidArgument(IllegalArgumentException e) {
        return error(Status.BAD_REQUEST, e.getMessage());
    }

    /** More specific than Quarkus's own mapper for this type, so the answer keeps the ApiError shape. */
    @ServerExceptionMapper
    public Response mismatchedJson(MismatchedInputException e) {
        return badJson(e);
    }

    @ServerExceptionMapper
    public Response badJson(JsonProcessingException e) {
        Throwable cause = e.getCause();
        if (cause instanceof IllegalArgumentException || cause instanceof NullPointerException) {
            return error(Status.BAD_REQUEST, cause.getMessage());
        }
        String where = e instanceof JsonMappingException m && !m.getPath().isEmpty()
                ? " at " + m.getPath().stream().map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                        .collect(Collectors.joining("."))
                : "";
        return error(Status.BAD_REQUEST, "malformed JSON" + where + ": " + e.getOriginalMessage());
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        String message = switch (status) {
            case 404 -> "no such resource";
            case 405 -> "method not allowed here";
            case 415 -> "unsupported content type: " + e.getMessage();
            default -> e.getMessage();
        };
        if (e.getCause() instanceof JsonProcessingException json) {
            return badJson(json);
        }
        if (status == 400 && e.getCause() != null) {
            message = "bad request: " + e.getCause().getMessage();
        }
        return error(status, message);
    }

    @ServerExceptionMapper
    public Response database(Db.CatalogueException e) {
        LOG.error("catalogue database error", e);
        return error(Status.SERVICE_UNAVAILABLE, "the catalogue database is unavailable; nothing was changed, retry later");
    }

    @ServerExceptionMapper
    public Response unexpected(RuntimeException e) {
        LOG.error("unexpected error", e);
        return error(Status.INTERNAL_SERVER_ERROR, "internal error (" + e.getClass().getSimpleName() + "); the service log has the details");
    }
}
