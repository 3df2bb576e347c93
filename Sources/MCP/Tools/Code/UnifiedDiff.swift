/// A parsed unified diff (`diff -u` / `git diff`) and its strict application: every hunk's
/// context and removed lines must match the file exactly, at the stated line or at one
/// unique other place; otherwise the whole patch is refused.
struct UnifiedDiff {
    struct Hunk {
        var oldStart: Int
        var lines: [(kind: Character, text: String)] = []
        var old: [String] { lines.filter { $0.kind != "+" }.map(\.text) }
        var new: [String] { lines.filter { $0.kind != "-" }.map(\.text) }
    }

    struct FilePatch {
        var oldPath: String?   // nil: the file is created
        var newPath: String?   // nil: the file is deleted
        var hunks: [Hunk] = []
        var path: String { newPath ?? oldPath ?? "" }
    }

    let files: [FilePatch]

    init(parsing text: String) throws(ToolError) {
        var files: [FilePatch] = []
        var current: FilePatch?
        var hunk: Hunk?
        func flushHunk() { if let h = hunk { current?.hunks.append(h); hunk = nil } }
        func flushFile() { flushHunk(); if let f = current { files.append(f); current = nil } }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var index = 0
        while index < lines.count {
            let line = lines[index]
            if line.hasPrefix("--- "), index + 1 < lines.count, lines[index + 1].hasPrefix("+++ ") {
                flushFile()
                current = FilePatch(oldPath: Self.path(line), newPath: Self.path(lines[index + 1]))
                index += 2
                continue
            }
            if line.hasPrefix("@@") {
                guard current != nil else { throw ToolError(.invalidArgument, "hunk before a ---/+++ file header") }
                flushHunk()
                guard let start = Self.oldStart(line) else { throw ToolError(.invalidArgument, "malformed hunk header: \(line.prefix(120))") }
                hunk = Hunk(oldStart: start)
            } else if hunk != nil, let kind = line.first, kind == " " || kind == "-" || kind == "+" {
                hunk?.lines.append((kind, String(line.dropFirst())))
            } else if hunk != nil, line.isEmpty, index < lines.count - 1 {
                hunk?.lines.append((" ", ""))   // some tools strip the space of empty context lines
            }
            // "\ No newline at end of file", diff --git, index lines: ignored.
            index += 1
        }
        flushFile()
        guard !files.isEmpty else { throw ToolError(.invalidArgument, "no ---/+++ file headers found; send a unified diff") }
        self.files = files
    }

    static func path(_ header: String) -> String? {
        var path = String(header.dropFirst(4))
        if let tab = path.firstIndex(of: "\t") { path = String(path[..<tab]) }
        if path == "/dev/null" { return nil }
        if path.hasPrefix("a/") || path.hasPrefix("b/") { path = String(path.dropFirst(2)) }
        return path
    }

    /// The old side's first line, 0 or more (`@@ -0,0 +1 @@` creates): a signed or huge start
    /// would make the arithmetic below overflow.
    static func oldStart(_ header: String) -> Int? {
        // @@ -12,7 +12,8 @@
        guard let minus = header.split(separator: " ").first(where: { $0.hasPrefix("-") }),
              let start = Int(minus.dropFirst().split(separator: ",").first ?? ""), start >= 0 else { return nil }
        return start
    }

    /// Applies one file's hunks to its lines; throws naming the hunk that does not fit.
    static func apply(_ patch: FilePatch, to original: [String]) throws(ToolError) -> [String] {
        var result: [String] = []
        var cursor = 0
        for (number, hunk) in patch.hunks.enumerated() {
            let old = hunk.old
            let expected = max(0, hunk.oldStart - (old.isEmpty ? 0 : 1))
            let position: Int
            if matches(old, in: original, at: expected), expected >= cursor {
                position = expected
            } else {
                // At most two: one place is used, a second makes it ambiguous.
                let candidates = old.isEmpty ? (original.count == cursor ? [cursor] : [cursor, cursor + 1])
                    : occurrences(of: old, in: original, from: cursor, limit: 2, overlapping: true)
                guard candidates.count == 1, let only = candidates.first else {
                    throw ToolError(.refused, "hunk \(number + 1) of \(patch.path) does not match the file (context mismatch at line \(hunk.oldStart)); nothing was changed")
                }
                position = only
            }
            result += original[cursor..<position]
            result += hunk.new
            cursor = position + old.count
        }
        result += original[cursor...]
        return result
    }

    static func matches(_ old: [String], in lines: [String], at position: Int) -> Bool {
        guard position >= 0, position <= lines.count - old.count else { return false }
        return zip(old, lines[position...]).allSatisfy { $0 == $1 }
    }
}
