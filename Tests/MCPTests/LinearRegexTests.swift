import Testing
import MCP
import Net
import FoundationEssentials

/// Issue 9 item 6: `code_search` regexes run in linear time over a documented subset.
@Suite("LinearRegex: the code_search matcher")
struct LinearRegexTests {
    static func matches(_ pattern: String, _ line: String, ignoreCase: Bool = false) throws -> Bool {
        try LinearRegex(pattern, ignoreCase: ignoreCase).matcher().matches(Substring(line))
    }

    /// (pattern, line, expected): each row checked against the same answer Swift's Regex gives.
    static let cases: [(String, String, Bool)] = [
        ("abc", "xxabcxx", true), ("abc", "abx", false), ("a.c", "abc", true), ("a.c", "ac", false),
        ("^abc", "abcd", true), ("^abc", "xabc", false), ("abc$", "xabc", true), ("abc$", "abcx", false),
        ("^$", "", true), ("^$", "x", false), ("a|b", "xbx", true), ("(ab|cd)e", "cde", true), ("(ab|cd)e", "ace", false),
        ("ab*c", "ac", true), ("ab*c", "abbbc", true), ("ab+c", "ac", false), ("ab+c", "abc", true),
        ("ab?c", "abc", true), ("ab?c", "abbc", false), ("a{2}", "a", false), ("a{2}", "aa", true),
        ("^a{2,3}$", "aaaa", false), ("^a{2,3}$", "aaa", true), ("^a{2,}$", "aaaaa", true), ("^a{2,}$", "a", false),
        ("^(?:ab){1,2}$", "abab", true), ("^(?:ab){1,2}$", "ababab", false), ("[a-c]x", "bx", true), ("[a-c]x", "dx", false),
        ("[^a-c]x", "dx", true), ("[^a-c]x", "ax", false), ("[]a]", "]", true), ("[a-]", "-", true),
        (#"\d+"#, "abc123", true), (#"\d"#, "abc", false), (#"\w+\("#, "helper(", true), (#"\s"#, "a b", true),
        (#"\S"#, "   ", false), (#"\D"#, "123", false), (#"\W"#, "abc_1", false), (#"[\d.]+"#, "1.5", true),
        (#"\bfoo\b"#, "a foo b", true), (#"\bfoo\b"#, "afoob", false), (#"\Bfoo"#, "afoo", true), (#"\Bfoo"#, " foo", false),
        (#"a\.b"#, "a.b", true), (#"a\.b"#, "axb", false), (#"\(\)"#, "f()", true), (#"\x41"#, "A", true),
        (#"\u00e9"#, "caf\u{e9}", true), ("é+", "ééé", true), (#"func \w+\(\)"#, "func helper() -> Int", true),
        ("x{", "x{", true), ("a{1,x}", "a{1,x}", true), ("(a|)+b", "b", true), ("(a*)*b", "aaab", true),
        ("(?<word>ab)c", "abc", true), ("a*?b", "aab", true), ("(a|a)*b", "aaaa", false),
    ]

    /// Rows Swift's Regex parses differently (a leading `]` in a class, a `{` literal).
    static let notSwiftSyntax: Set<String> = ["[]a]", "x{", "a{1,x}"]

    @Test(arguments: 0..<cases.count)
    func matchesLikeSwiftRegex(_ index: Int) throws {
        let (pattern, line, expected) = Self.cases[index]
        #expect(try Self.matches(pattern, line) == expected, "\(pattern) on \(line)")
        // The table itself is checked against the standard library's backtracking engine
        // (small inputs), for the rows whose syntax it shares: a wrong row cannot hide.
        if !Self.notSwiftSyntax.contains(pattern) {
            let reference = try Regex(pattern)
            #expect((try reference.firstMatch(in: line) != nil) == expected, "reference \(pattern) on \(line)")
        }
    }

    @Test func ignoreCaseFoldsLiteralsAndClasses() throws {
        #expect(try Self.matches("HeLLo", "say hello", ignoreCase: true))
        #expect(try !Self.matches("HeLLo", "say hello"))
        #expect(try Self.matches("[A-Z]+x", "abcX", ignoreCase: true))
        #expect(try Self.matches("ÉTÉ", "été", ignoreCase: true))
    }

    @Test func unsupportedSyntaxIsAClearInvalidArgument() {
        let refused: [(String, String)] = [
            (#"(a)\1"#, "backreference"), (#"(?<n>a)\k<n>"#, "backreference"), ("(?=a)", "lookahead"), ("(?!a)", "lookahead"),
            ("(?<=a)b", "lookbehind"), ("(?<!a)b", "lookbehind"), ("a++", "possessive"), ("(?i)a", "inline flags"),
            (#"\p{L}"#, "property"), ("[[:alpha:]]", "POSIX"), ("(", "missing ')'"), (")", "unmatched"), ("[a", "missing ']'"),
            ("*a", "nothing to repeat"), ("a**", "quantifier cannot follow"), ("a{1001}", "above 1000"), ("a{3,2}", "below the minimum"),
            ("[z-a]", "out of order"), (#"\q"#, "unknown escape"), ("a\\", "ends with a backslash"),
            ("((((a{1000}){1000})))", "too large"),
            // Eight levels saturate the size count; the ninth step used to add 1 to Int.max.
            (String(repeating: "(", count: 8) + "a" + String(repeating: "{1000})", count: 8), "too large"),
            (String(repeating: "(", count: 8) + "a" + String(repeating: "{1000})", count: 7) + ")?", "too large"), (String(repeating: "(", count: 70) + String(repeating: ")", count: 70), "nest deeper"),
        ]
        for (pattern, words) in refused {
            do {
                _ = try LinearRegex(pattern)
                Issue.record("\(pattern) was accepted")
            } catch {
                #expect(error.code == .invalidArgument, "\(pattern)")
                #expect(error.message.contains(words), "\(pattern): \(error.message)")
            }
        }
    }

    /// The issue's pathological pattern: a backtracking engine takes exponential time on
    /// it. Here the work is counted, so the assertion is on the result and the step count.
    @Test func pathologicalPatternsCostLinearWork() throws {
        let line = Substring(String(repeating: "a", count: 50_000))
        for pattern in ["(a|a)*b", "(a*)*b", "(a+)+b", "(a|aa)+$b", "^(a?){30}a{30}b"] {
            let matcher = try LinearRegex(pattern).matcher()
            #expect(matcher.matches(line) == false, "\(pattern)")
            let program = pattern.count * 4 + 64   // generous bound on threads per position
            #expect(matcher.work < line.count * program, "\(pattern): \(matcher.work) steps")
        }
        let matcher = try LinearRegex("(a|a)*b").matcher()
        #expect(matcher.matches(line + "b"))
    }

    @Test func aWorkBudgetStopsMatchingInsideOneLine() throws {
        let matcher = try LinearRegex("(x+x+)+y").matcher()
        matcher.budget = 10_000
        #expect(matcher.matches(Substring(String(repeating: "x", count: 100_000) + "y")) == false)
        #expect(matcher.exhausted)
        #expect(matcher.work < 10_000 + 1_000, "stopped near the budget, not at the end of the line: \(matcher.work)")
        let unbounded = try LinearRegex("(x+x+)+y").matcher()
        #expect(unbounded.matches(Substring(String(repeating: "x", count: 100_000) + "y")))
        #expect(!unbounded.exhausted)
    }

    @Test func codeSearchAnswersThePathologicalPatternThroughTheTool() async throws {
        try await MCPTestServer.run { server in
            let long = String(repeating: "a", count: 60_000)
            _ = try await server.call("file_write", ["path": "long.txt", "content": .string(long + "\n" + long + "b\n")])
            let search = try await server.call("code_search", ["query": "(a|a)*b", "regex": true])
            let matches = search["result"]?["structuredContent"]?["matches"]?.arrayValue ?? []
            #expect(matches.count == 1 && matches.first?["line"] == 2, "\(search)")
            #expect(matches.first?["text"]?.stringValue?.count == 400)   // shown lines are capped
            let refused = try await server.call("code_search", ["query": #"(a)\1"#, "regex": true])
            #expect(refused.toolIsError && refused.toolText.contains("backreferences are not supported"), "\(refused)")
        }
    }
}
