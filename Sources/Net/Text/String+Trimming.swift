/// Small text helpers FoundationEssentials lacks (its `trimmingCharacters` and friends live
/// in full Foundation, which we do not link).
extension StringProtocol {
    /// Without leading and trailing whitespace and newlines.
    public func trimmed() -> String {
        guard let start = firstIndex(where: { !$0.isWhitespace }) else { return "" }
        let end = lastIndex(where: { !$0.isWhitespace }) ?? start
        return String(self[start...end])
    }

    /// Pads with spaces on the right to `width` characters (never truncates).
    public func padded(to width: Int) -> String {
        count >= width ? String(self) : String(self) + String(repeating: " ", count: width - count)
    }
}
