package dev.zero.api;

/** The body of every 4xx/5xx answer: the HTTP status and a sentence naming the problem. */
public record ApiError(int status, String error) {
}
