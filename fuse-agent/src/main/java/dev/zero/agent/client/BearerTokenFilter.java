package dev.zero.agent.client;

import dev.zero.agent.config.AgentConfig;
import jakarta.inject.Inject;
import jakarta.ws.rs.client.ClientRequestContext;
import jakarta.ws.rs.client.ClientRequestFilter;
import jakarta.ws.rs.core.HttpHeaders;

/** Presents the agent's token on every call to the service. */
class BearerTokenFilter implements ClientRequestFilter {
    @Inject
    AgentConfig config;

    @Override
    public void filter(ClientRequestContext request) {
        config.token().ifPresent(token -> request.getHeaders().putSingle(HttpHeaders.AUTHORIZATION, "Bearer " + token.strip()));
    }
}
