package dev.zero.agent.client;

import dev.zero.api.HostsApi;
import org.eclipse.microprofile.rest.client.annotation.RegisterProvider;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

/** The service's host calls through the Quarkus REST client; one interface per root path of the contract. */
@RegisterRestClient(configKey = "tiering")
@RegisterProvider(BearerTokenFilter.class)
interface HostsRestClient extends HostsApi {
}
