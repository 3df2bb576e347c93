public import Core
public import Net

// `TaskKind` (code, creative, research, math, general) lives in Net: the one task vocabulary
// the gateway's routes, `task:NAME` models and the MCP `specialist` tool share.

/// A cheap keyword classifier over the conversation's recent user text. Deliberately
/// simple: it runs on every `auto` request and must cost microseconds, not a model call,
/// so it scans lowercased bytes with plain loops and looks at the last `maxBytes` only.
public enum TaskClassifier {
    static let maxBytes = 8_192
    static let signals: [(TaskKind, [[UInt8]], Int)] = [
        (.code, LowercasedASCII.patterns(["```", "func ", "def ", "class ", "import ", "#include", "stack trace", "traceback", "exception",
                 "compile", "bug", "refactor", "function", "python", "swift", "javascript", "typescript", "rust", "golang", "java ",
                 "sql", "regex", "api", "code", "debug", "unit test", "git ", "docker", "kubernetes", "bash", "script"]), 2),
        (.math, LowercasedASCII.patterns(["prove", "proof", "equation", "integral", "derivative", "calculate", "compute", "solve", "theorem",
                 "probability", "matrix", "algebra", "geometry", "sqrt", "factorial", "percent", "+", "=", "^"]), 2),
        (.creative, LowercasedASCII.patterns(["poem", "story", "write a song", "lyrics", "haiku", "fiction", "novel", "character", "creative",
                     "imagine", "slogan", "joke", "rhyme", "screenplay", "brainstorm"]), 2),
        (.research, LowercasedASCII.patterns(["research", "compare", "explain why", "history of", "sources", "cite", "analysis", "analyze",
                     "summarize", "summary", "pros and cons", "what is the difference", "overview", "literature", "study"]), 2),
    ]

    public static func classify(_ request: ChatRequest) -> TaskKind {
        let recent = request.messages.filter { $0.role == .user }.suffix(3).map(\.text).joined(separator: "\n").utf8
        guard !recent.isEmpty else { return .general }
        let text = LowercasedASCII(recent.suffix(maxBytes))
        var hasDigit = false, hasOperator = false
        for byte in text.bytes {
            if byte &- 48 < 10 { hasDigit = true }
            else if byte == 43 || byte == 45 || byte == 42 || byte == 47 || byte == 94 || byte == 61 { hasOperator = true }  // + - * / ^ =
        }
        var best: (TaskKind, Int) = (.general, 0)
        for (kind, words, weight) in signals {
            var score = 0
            for word in words where text.contains(word) { score += weight }
            // Digits next to operators are a strong math signal ("12 * 7", "x^2").
            if kind == .math, hasDigit, hasOperator { score += 2 }
            if score > best.1 { best = (kind, score) }
        }
        return best.1 >= 2 ? best.0 : .general
    }
}
