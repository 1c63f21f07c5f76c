package dev.zero.service.transfer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ByteRangeTest {
    @ParameterizedTest(name = "{0} of 100 bytes -> offset {1}, length {2}")
    @CsvSource({
        "bytes=0-9, 0, 10",
        "bytes=90-, 90, 10",
        "bytes=-5, 95, 5",
        "bytes=-500, 0, 100",
        "bytes=50-1000, 50, 50",
        "bytes=99-99, 99, 1"})
    void parse_satisfiable(String header, long offset, long length) throws Exception {
        assertThat(ByteRange.parse(header, 100)).contains(new ByteRange(offset, length));
    }

    @ParameterizedTest(name = "{0} -> whole object")
    @CsvSource({"items=0-1", "bytes=5-1", "'bytes=0-1,5-6'", "bytes=-", "bytes=x-y"})
    void parse_ignoredHeaders_wholeObject(String header) throws Exception {
        assertThat(ByteRange.parse(header, 100)).isEqualTo(Optional.empty());
    }

    @ParameterizedTest
    @CsvSource({"bytes=100-", "bytes=200-300", "bytes=-0"})
    void parse_pastTheEnd_unsatisfiable(String header) {
        assertThatThrownBy(() -> ByteRange.parse(header, 100)).isInstanceOf(ByteRange.Unsatisfiable.class);
    }
}
