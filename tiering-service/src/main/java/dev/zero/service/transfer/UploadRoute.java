package dev.zero.service.transfer;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.zero.api.ApiError;
import dev.zero.api.Checks;
import dev.zero.api.StoredObject;
import dev.zero.api.VolumesApi;
import dev.zero.service.auth.BearerTokens;
import dev.zero.service.rest.ApiException;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import org.jboss.logging.Logger;

/**
 * Serves {@code PUT /api/v1/volumes/{volume}/files/{file}/content} ({@link VolumesApi#upload})
 * straight on Vert.x, ahead of the REST layer: the REST layer's body stream hands the worker
 * one network buffer at a time (a few hundred MB/s at best) and buffers without bound when the
 * store is slower than the sender. Here the body flows through {@link BodyStream}, with the
 * same authentication, validation and error answers as every other call.
 */
@ApplicationScoped
public class UploadRoute {
    private static final Logger LOG = Logger.getLogger(UploadRoute.class);
    /** Longest an uploader may send nothing before the upload fails. */
    private static final long IDLE_MILLIS = 120_000;

    private final ContentTransfers transfers;
    private final BearerTokens tokens;
    private final ObjectMapper json;

    UploadRoute(ContentTransfers transfers, BearerTokens tokens, ObjectMapper json) {
        this.transfers = transfers;
        this.tokens = tokens;
        this.json = json;
    }

    void register(@Observes Router router) {
        router.put("/api/v1/volumes/:volume/files/:file/content").order(-100).handler(this::handle);
    }

    private void handle(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        request.pause();
        Context context = Vertx.currentContext();
        BodyStream body = new BodyStream(request, context, IDLE_MILLIS);
        // the check may ask the catalogue which host serves the volume: off the event loop, before any byte is read
        String checkedPath = "/api/v1/volumes/" + ctx.pathParam("volume") + "/files/" + ctx.pathParam("file") + "/content";
        String authorization = request.getHeader("Authorization");
        Thread.ofVirtual().name("zero-upload").start(() -> {
            try {
                BearerTokens.Access access = tokens.check("PUT", checkedPath, authorization);
                if (!access.allowed()) {
                    context.runOnContext(v -> answerError(ctx, access.refusal().status(), access.refusal().message(), false));
                    return;
                }
                String volume = Checks.name("volume", ctx.pathParam("volume"));
                long file = Long.parseLong(ctx.pathParam("file"));
                String versionText = request.getParam("version");
                Long version = versionText == null ? null : Long.valueOf(versionText);
                String length = request.getHeader("Content-Length");
                StoredObject stored = transfers.upload(volume, file, version, request.getHeader(VolumesApi.SHA256_HEADER),
                        length == null ? -1 : Long.parseLong(length), body);
                answer(ctx, 200, json.writeValueAsString(stored), body.started());
            } catch (ApiException e) {
                answerError(ctx, e.status().getStatusCode(), e.getMessage(), body.started());
            } catch (NumberFormatException e) {
                answerError(ctx, 400, "file id, version and Content-Length must be numbers: " + e.getMessage(), body.started());
            } catch (IllegalArgumentException e) {
                answerError(ctx, 400, e.getMessage(), body.started());
            } catch (RuntimeException | IOException e) {
                LOG.error("upload failed", e);
                answerError(ctx, 500, "internal error (" + e.getClass().getSimpleName() + "); the service log has the details", body.started());
            }
        });
    }

    private void answerError(RoutingContext ctx, int status, String message, boolean bodyRead) {
        try {
            answer(ctx, status, json.writeValueAsString(new ApiError(status, message)), bodyRead);
        } catch (IOException e) {
            ctx.response().setStatusCode(status).end();
        }
    }

    /** Answers; a body not read to its end is not drained: the connection closes after the answer. */
    private static void answer(RoutingContext ctx, int status, String jsonBody, boolean bodyRead) {
        var response = ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json");
        if (!bodyRead || !ctx.request().isEnded()) {
            response.putHeader("Connection", "close");
        }
        if (status == 401) {
            response.putHeader("WWW-Authenticate", "Bearer realm=\"zero\"");
        }
        response.end(jsonBody);
    }
}
