/// The kinds of work `auto` routing tells apart; each has a route in the `routes` table.
public enum TaskKind: String, Sendable, CaseIterable, Equatable {
    case code, creative, research, math, general
}

/// A cheap keyword classifier over the conversation's recent user text. Deliberately
/// simple: it runs on every `auto` request and must cost microseconds, not a model call.
public enum TaskClassifier {
    static let signals: [(TaskKind, [String], Int)] = [
        (.code, ["```", "func ", "def ", "class ", "import ", "#include", "stack trace", "traceback", "exception", "compile",
                 "bug", "refactor", "function", "python", "swift", "javascript", "typescript", "rust", "golang", "java ",
                 "sql", "regex", "api", "code", "debug", "unit test", "git ", "docker", "kubernetes", "bash", "script"], 2),
        (.math, ["prove", "proof", "equation", "integral", "derivative", "calculate", "compute", "solve", "theorem",
                 "probability", "matrix", "algebra", "geometry", "sqrt", "factorial", "percent", "+", "=", "^"], 2),
        (.creative, ["poem", "story", "write a song", "lyrics", "haiku", "fiction", "novel", "character", "creative",
                     "imagine", "slogan", "joke", "rhyme", "screenplay", "brainstorm"], 2),
        (.research, ["research", "compare", "explain why", "history of", "sources", "cite", "analysis", "analyze",
                     "summarize", "summary", "pros and cons", "what is the difference", "overview", "literature", "study"], 2),
    ]

    public static func classify(_ request: ChatRequest) -> TaskKind {
        let recent = request.messages.filter { $0.role == .user }.suffix(3).map(\.text).joined(separator: "\n").lowercased()
        guard !recent.isEmpty else { return .general }
        var best: (TaskKind, Int) = (.general, 0)
        for (kind, words, weight) in signals {
            var score = 0
            for word in words where recent.contains(word) { score += weight }
            // Digits next to operators are a strong math signal ("12 * 7", "x^2").
            if kind == .math, recent.contains(where: \.isNumber), recent.contains(where: { "+-*/^=".contains($0) }) { score += 2 }
            if score > best.1 { best = (kind, score) }
        }
        return best.1 >= 2 ? best.0 : .general
    }
}
