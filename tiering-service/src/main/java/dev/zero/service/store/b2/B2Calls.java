package dev.zero.service.store.b2;

import com.backblaze.b2.client.contentHandlers.B2ContentSink;
import com.backblaze.b2.client.contentSources.B2Headers;
import com.backblaze.b2.client.exceptions.B2Exception;
import com.backblaze.b2.client.webApiClients.B2WebApiClient;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.InputStream;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts every HTTP call the SDK makes to B2 (retries and re-authorisations included) by API
 * name and by Backblaze's transaction class, which is what Backblaze bills: class A free,
 * class B and C per call (backblaze.com/b2/b2-transactions-price). Metrics:
 * {@code zero.b2.calls{api,class,outcome}}.
 */
public final class B2Calls implements B2WebApiClient {
    /** Backblaze's classes of the calls Zero makes; anything unlisted is counted as class C, the dearest. */
    static final Map<String, String> CLASS = Map.ofEntries(
            Map.entry("b2_upload_file", "A"), Map.entry("b2_upload_part", "A"), Map.entry("b2_get_upload_url", "A"),
            Map.entry("b2_get_upload_part_url", "A"), Map.entry("b2_start_large_file", "A"), Map.entry("b2_finish_large_file", "A"),
            Map.entry("b2_cancel_large_file", "A"), Map.entry("b2_delete_file_version", "A"), Map.entry("b2_hide_file", "A"),
            Map.entry("b2_download_file_by_id", "B"), Map.entry("b2_download_file_by_name", "B"), Map.entry("b2_get_file_info", "B"),
            Map.entry("b2_authorize_account", "C"), Map.entry("b2_list_buckets", "C"), Map.entry("b2_list_file_names", "C"),
            Map.entry("b2_list_file_versions", "C"), Map.entry("b2_list_parts", "C"), Map.entry("b2_list_unfinished_large_files", "C"),
            Map.entry("b2_get_download_authorization", "C"), Map.entry("b2_copy_file", "C"), Map.entry("b2_copy_part", "C"));

    private final B2WebApiClient client;
    private final MeterRegistry meters;
    private final Map<String, AtomicLong> byClass = new ConcurrentHashMap<>();

    B2Calls(B2WebApiClient client, MeterRegistry meters) {
        this.client = client;
        this.meters = meters;
    }

    /** Calls of one transaction class ("A", "B", "C") made so far by this process. */
    public long calls(String transactionClass) {
        AtomicLong n = byClass.get(transactionClass);
        return n == null ? 0 : n.get();
    }

    @Override
    public <T> T postJsonReturnJson(String url, B2Headers headers, Object request, Class<T> responseClass) throws B2Exception {
        return counted(api(url, headers), () -> client.postJsonReturnJson(url, headers, request, responseClass));
    }

    @Override
    public <T> T postDataReturnJson(String url, B2Headers headers, InputStream input, long contentLength, Class<T> responseClass)
            throws B2Exception {
        return counted(api(url, headers), () -> client.postDataReturnJson(url, headers, input, contentLength, responseClass));
    }

    @Override
    public void getContent(String url, B2Headers headers, B2ContentSink handler) throws B2Exception {
        counted(api(url, headers), () -> {
            client.getContent(url, headers, handler);
            return null;
        });
    }

    @Override
    public B2Headers head(String url, B2Headers headers) throws B2Exception {
        return counted(api(url, headers), () -> client.head(url, headers));
    }

    @Override
    public void close() {
        client.close();
    }

    /** The API a URL calls: /b2api/vN/NAME, a download by name (/file/...), or an upload URL (which names no API). */
    static String api(String url, B2Headers headers) {
        int q = url.indexOf('?');
        String path = q < 0 ? url : url.substring(0, q);
        int api = path.indexOf("/b2api/");
        if (api >= 0) {
            String name = path.substring(path.lastIndexOf('/') + 1);
            if (name.startsWith("b2_")) {
                return name;
            }
        }
        if (path.contains("/file/")) {
            return "b2_download_file_by_name";
        }
        return headers != null && headers.getValueOrNull("X-Bz-Part-Number") != null ? "b2_upload_part" : "b2_upload_file";
    }

    private interface Call<T> {
        T run() throws B2Exception;
    }

    private <T> T counted(String api, Call<T> call) throws B2Exception {
        String outcome = "ok";
        try {
            return call.run();
        } catch (B2Exception e) {
            outcome = e.getStatus() > 0 ? String.valueOf(e.getStatus()) : "failed";
            throw e;
        } catch (RuntimeException e) {
            outcome = "failed";
            throw e;
        } finally {
            String c = CLASS.getOrDefault(api, "C");
            byClass.computeIfAbsent(c, k -> new AtomicLong()).incrementAndGet();
            meters.counter("zero.b2.calls", "api", api, "class", c, "outcome", outcome).increment();
        }
    }
}
