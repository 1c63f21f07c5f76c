/**
 * The REST contract of Zero's tiering service: JAX-RS interfaces (implemented by the
 * service, called by the agent through the Quarkus REST client) and the DTO records they
 * carry. DTOs validate themselves in their constructors, so a bad request is refused
 * with a message naming the field before it reaches any business code.
 */
package dev.zero.api;
