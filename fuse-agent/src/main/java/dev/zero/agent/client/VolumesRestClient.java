package dev.zero.agent.client;

import dev.zero.api.VolumesApi;
import org.eclipse.microprofile.rest.client.annotation.RegisterProvider;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

/** The service's volume calls (journal, content) through the Quarkus REST client. */
@RegisterRestClient(configKey = "tiering")
@RegisterProvider(BearerTokenFilter.class)
interface VolumesRestClient extends VolumesApi {
}
