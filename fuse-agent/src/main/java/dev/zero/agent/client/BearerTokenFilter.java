package dev.zero.agent.client;

import jakarta.inject.Inject;
import jakarta.ws.rs.client.ClientRequestContext;
import jakarta.ws.rs.client.ClientRequestFilter;
import jakarta.ws.rs.core.HttpHeaders;
import java.util.Optional;

/** Presents this host's credential on every call to the service, and the enrolment token on the enrolment. */
class BearerTokenFilter implements ClientRequestFilter {
    @Inject
    HostCredentialStore credential;

    @Override
    public void filter(ClientRequestContext request) {
        Optional<String> token = request.getUri().getPath().endsWith("/enrolment") ? credential.enrolmentToken() : credential.current();
        token.ifPresent(t -> request.getHeaders().putSingle(HttpHeaders.AUTHORIZATION, "Bearer " + t));
    }
}
