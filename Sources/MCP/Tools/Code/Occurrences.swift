/// Knuth–Morris–Pratt search: the start offsets of `pattern` in `elements` from `start`, left
/// to right, at most `limit` of them; `overlapping` also counts matches that share elements.
/// Linear (at most 2 (n + m) comparisons), where trying every offset, or a bad-character-only
/// search such as `String.ranges(of:)`, takes n · m: for a crafted 1 MiB file and pattern
/// that was minutes of CPU in `code_edit` and `code_patch`.
func occurrences<Element: Equatable>(of pattern: [Element], in elements: [Element], from start: Int = 0,
                                     limit: Int = .max, overlapping: Bool = false) -> [Int] {
    guard !pattern.isEmpty, limit > 0 else { return [] }
    // fallback[i]: the length of the longest proper prefix of pattern[0...i] that is also its suffix.
    var fallback = [Int](repeating: 0, count: pattern.count)
    var length = 0
    for index in pattern.indices.dropFirst() {
        while length > 0, pattern[index] != pattern[length] { length = fallback[length - 1] }
        if pattern[index] == pattern[length] { length += 1 }
        fallback[index] = length
    }
    var found: [Int] = []
    var matched = 0
    for index in min(max(0, start), elements.count)..<elements.count {
        while matched > 0, elements[index] != pattern[matched] { matched = fallback[matched - 1] }
        if elements[index] == pattern[matched] { matched += 1 }
        guard matched == pattern.count else { continue }
        found.append(index - pattern.count + 1)
        if found.count == limit { break }
        matched = overlapping ? fallback[matched - 1] : 0
    }
    return found
}
