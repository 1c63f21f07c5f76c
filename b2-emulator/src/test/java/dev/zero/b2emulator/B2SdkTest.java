package dev.zero.b2emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.backblaze.b2.client.B2AccountAuthorizerSimpleImpl;
import com.backblaze.b2.client.B2ClientConfig;
import com.backblaze.b2.client.B2StorageClient;
import com.backblaze.b2.client.contentHandlers.B2ContentMemoryWriter;
import com.backblaze.b2.client.contentSources.B2ByteArrayContentSource;
import com.backblaze.b2.client.contentSources.B2ContentTypes;
import com.backblaze.b2.client.contentSources.B2FileContentSource;
import com.backblaze.b2.client.exceptions.B2NotFoundException;
import com.backblaze.b2.client.structures.B2DownloadByNameRequest;
import com.backblaze.b2.client.structures.B2FileVersion;
import com.backblaze.b2.client.structures.B2ListFileVersionsRequest;
import com.backblaze.b2.client.structures.B2StartLargeFileRequest;
import com.backblaze.b2.client.structures.B2UploadFileRequest;
import com.backblaze.b2.client.webApiHttpClient.B2StorageHttpClientBuilder;
import com.backblaze.b2.client.webApiHttpClient.HttpClientFactoryImpl;
import com.backblaze.b2.util.B2ByteRange;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** b2-sdk-java 6.2.1, the SDK of the tiering service (it speaks /b2api/v2), against the emulator. */
class B2SdkTest {

    @TempDir
    Path dir;
    B2Emulator emu;
    B2StorageClient client;
    ExecutorService executor = Executors.newFixedThreadPool(3);

    @BeforeEach
    void start() {
        emu = B2Emulator.builder(dir.resolve("store")).bucketName("sdk-bucket").absoluteMinimumPartSize(1000)
                .recommendedPartSize(2000).start();
        var authorizer = B2AccountAuthorizerSimpleImpl.builder(emu.accountId(), emu.applicationKey()).build();
        var config = B2ClientConfig.builder(authorizer, "b2-emulator-test/1").setMasterUrl(emu.url()).build();
        client = B2StorageHttpClientBuilder.builder(config)
                .setHttpClientFactory(HttpClientFactoryImpl.builder().setSupportInsecureHttp(true).build())
                .build();
    }

    @AfterEach
    void stop() {
        client.close();
        executor.shutdownNow();
        emu.close();
    }

    @Test
    void smallFilesRoundTrip() throws Exception {
        byte[] content = Raw.bytes("from the SDK");
        B2FileVersion up = client.uploadSmallFile(B2UploadFileRequest.builder(emu.bucketId(), "sdk/small file+1.txt",
                B2ContentTypes.B2_AUTO, B2ByteArrayContentSource.build(content)).build());
        assertThat(up.getContentSha1()).isEqualTo(Raw.sha1(content));
        assertThat(up.getContentType()).isEqualTo("text/plain");

        B2FileVersion head = client.getFileInfoByName(emu.bucketName(), "sdk/small file+1.txt"); // a HEAD request
        assertThat(head.getContentLength()).isEqualTo(content.length);
        assertThat(head.getFileId()).isEqualTo(up.getFileId());
        assertThat(client.getFileInfo(up.getFileId()).getFileName()).isEqualTo("sdk/small file+1.txt");
        assertThat(up.getFileName()).isEqualTo("sdk/small file+1.txt"); // the SDK sends a space as '+', a '+' as %2B
        assertThatThrownBy(() -> client.getFileInfoByName(emu.bucketName(), "sdk/missing.txt")).isInstanceOf(B2NotFoundException.class);

        B2ContentMemoryWriter sink = B2ContentMemoryWriter.build();
        client.downloadByName(B2DownloadByNameRequest.builder(emu.bucketName(), "sdk/small file+1.txt")
                .setRange(B2ByteRange.between(5, 7)).build(), sink);
        assertThat(new String(sink.getBytes())).isEqualTo("the");

        client.hideFile(emu.bucketId(), "sdk/small file+1.txt");
        assertThat(client.fileNames(emu.bucketId()).iterator().hasNext()).isFalse();
        List<B2FileVersion> versions = new ArrayList<>();
        client.fileVersions(B2ListFileVersionsRequest.builder(emu.bucketId()).setMaxFileCount(1).build()).forEach(versions::add);
        assertThat(versions).extracting(B2FileVersion::getAction).containsExactly("hide", "upload");
        for (B2FileVersion v : versions) {
            client.deleteFileVersion(v);
        }
        assertThat(emu.fileVersions()).isZero();
        assertThat(client.buckets()).extracting(b -> b.getBucketName()).containsExactly("sdk-bucket");
    }

    @Test
    void largeFilesThroughStoreLargeFileFromLocalContent() throws Exception {
        byte[] content = new byte[9_500];
        new Random(3).nextBytes(content);
        Path file = dir.resolve("large.bin");
        Files.write(file, content);
        String sha1 = Raw.sha1(content);
        var source = B2FileContentSource.builder(file.toFile()).setSha1(sha1).build();
        B2FileVersion start = client.startLargeFile(B2StartLargeFileRequest.builder(emu.bucketId(), "sdk/large.bin",
                B2ContentTypes.APPLICATION_OCTET).setLargeFileSha1(sha1).build());
        assertThat(client.unfinishedLargeFiles(emu.bucketId()).iterator().next().getFileId()).isEqualTo(start.getFileId());

        B2FileVersion done = client.storeLargeFileFromLocalContent(start, source, null, executor);
        assertThat(done.getContentLength()).isEqualTo(content.length);
        assertThat(emu.calls("b2_upload_part")).isGreaterThanOrEqualTo(2);
        assertThat(emu.unfinishedLargeFiles()).isZero();

        B2ContentMemoryWriter sink = B2ContentMemoryWriter.build();
        client.downloadByName(emu.bucketName(), "sdk/large.bin", sink);
        assertThat(sink.getBytes()).isEqualTo(content);
        assertThat(client.getFileInfoByName(emu.bucketName(), "sdk/large.bin").getLargeFileSha1OrNull()).isEqualTo(sha1);

        B2FileVersion other = client.startLargeFile(B2StartLargeFileRequest.builder(emu.bucketId(), "sdk/abandoned.bin",
                B2ContentTypes.APPLICATION_OCTET).build());
        client.cancelLargeFile(other.getFileId());
        assertThat(emu.unfinishedLargeFiles()).isZero();
    }

    @Test
    void retriesFailedUploadsWithANewUrl() throws Exception {
        emu.faults().failNext("b2_upload_file", 2, 503);
        byte[] content = Raw.bytes("retry me");
        client.uploadSmallFile(B2UploadFileRequest.builder(emu.bucketId(), "retry.txt", B2ContentTypes.TEXT_PLAIN,
                B2ByteArrayContentSource.build(content)).build());
        assertThat(emu.calls("b2_upload_file")).isEqualTo(3);
        assertThat(emu.calls("b2_get_upload_url")).isGreaterThanOrEqualTo(2); // a refused URL is not reused
    }
}
