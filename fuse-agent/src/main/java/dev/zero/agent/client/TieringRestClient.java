package dev.zero.agent.client;

import dev.zero.api.HostsApi;
import dev.zero.api.VolumesApi;
import org.eclipse.microprofile.rest.client.annotation.RegisterProvider;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

/** The service's agent-facing API, called through the Quarkus REST client; the contract is tiering-api's. */
@RegisterRestClient(configKey = "tiering")
@RegisterProvider(BearerTokenFilter.class)
interface TieringRestClient extends HostsApi, VolumesApi {
}
