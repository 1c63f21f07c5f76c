package dev.zero.b2emulator;

import java.util.Map;
import java.util.Set;

/**
 * Backblaze's billing classes for native API calls ("Transaction types" on the B2 pricing page):
 * class A calls are free, class B (downloads and file info) and class C (listing, authorizing,
 * bucket and key management, copies) are charged past a daily free allowance. The emulator counts
 * calls per class so tests can assert on what a workload would cost.
 */
public enum TransactionClass {
    A, B, C,
    /** Not a B2 call: an unknown path, or an API the emulator does not know. */
    NONE;

    private static final Map<TransactionClass, Set<String>> TABLE = Map.of(
            A, Set.of("b2_cancel_large_file", "b2_delete_bucket", "b2_delete_file_version", "b2_delete_key",
                    "b2_finish_large_file", "b2_get_upload_part_url", "b2_get_upload_url", "b2_hide_file",
                    "b2_start_large_file", "b2_update_file_legal_hold", "b2_update_file_retention",
                    "b2_upload_file", "b2_upload_part"),
            B, Set.of("b2_download_file_by_id", "b2_download_file_by_name", "b2_get_file_info"),
            C, Set.of("b2_authorize_account", "b2_copy_file", "b2_copy_part", "b2_create_bucket", "b2_create_key",
                    "b2_get_download_authorization", "b2_list_buckets", "b2_list_file_names",
                    "b2_list_file_versions", "b2_list_keys", "b2_list_parts", "b2_list_unfinished_large_files",
                    "b2_update_bucket"));

    /** The class Backblaze bills {@code api} (e.g. "b2_upload_file") under. */
    public static TransactionClass of(String api) {
        for (var entry : TABLE.entrySet()) {
            if (entry.getValue().contains(api)) {
                return entry.getKey();
            }
        }
        return NONE;
    }
}
