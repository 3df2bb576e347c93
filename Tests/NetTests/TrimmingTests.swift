import Net
import Testing

/// `trimmed()` skips its Character walk when both ends are printable ASCII; the answers must
/// be the ones the walk gives.
@Suite struct TrimmingTests {
    @Test func trimsWhitespaceAtEitherEndOnly() {
        #expect("tf_abc".trimmed() == "tf_abc")
        #expect("  tf_abc\t\r\n".trimmed() == "tf_abc")
        #expect("a b".trimmed() == "a b")
        #expect("x".trimmed() == "x")
        #expect("".trimmed() == "")
        #expect(" \n ".trimmed() == "")
        #expect("\u{00A0}a\u{2003}".trimmed() == "a")  // Unicode spaces still trimmed
        #expect("a\u{0301}".trimmed() == "a\u{0301}")
        #expect("\u{0600}1".trimmed() == "\u{0600}1")  // a Prepend scalar before ASCII
        #expect(("  key  "[...]).trimmed() == "key")
    }
}
