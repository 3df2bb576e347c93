/// A regular expression for `code_search`, matched in time linear in the line length
/// (a Thompson NFA simulated Pike-style: every thread advances in lock step, so there is
/// no backtracking and `(a|a)*b` costs the same as `ab`). Matching answers only "does
/// this line contain a match", which is all a line search needs.
///
/// Supported syntax (documented in the tool description):
/// - literals, `.` (any but newline), escapes of metacharacters, `\t \n \r \f \v \0`,
///   `\xHH`, `\x{H…}`, `\uHHHH`
/// - classes `[abc]`, `[^a-z]`, `\d \D \w \W \s \S` (also inside classes)
/// - anchors `^ $ \A \z \Z` (line start/end), word boundaries `\b \B`
/// - groups `( )`, `(?: )`, `(?<name> )`, `(?P<name> )`; alternation `|`
/// - quantifiers `* + ?` and `{m}`, `{m,}`, `{m,n}` (m, n ≤ 1000), lazy forms `*?` (same result)
/// Refused with an invalid-argument error: backreferences, lookaround, possessive
/// quantifiers, inline flags, `\p{…}`, POSIX `[:classes:]`, and programs over the size cap.
public struct LinearRegex: Sendable {
    /// One NFA instruction. Consuming instructions advance a thread by one scalar.
    enum Instruction: Sendable, Equatable {
        case scalar(Unicode.Scalar)
        case any
        case set(Int)
        case split(Int, Int)
        case jump(Int)
        case assert(Assertion)
        case match
    }

    enum Assertion: Sendable, Equatable {
        case lineStart, lineEnd, wordBoundary, notWordBoundary
    }

    /// The longest pattern text and the largest compiled program accepted.
    public static let maxPatternLength = 1_000
    public static let maxProgramSize = 20_000
    public static let maxRepeat = 1_000
    public static let maxNesting = 64

    let program: [Instruction]
    let sets: [ScalarSet]
    let ignoreCase: Bool

    /// Parses and compiles; unsupported or malformed syntax is a `ToolError(.invalidArgument)`.
    public init(_ pattern: String, ignoreCase: Bool = false) throws(ToolError) {
        guard pattern.unicodeScalars.count <= Self.maxPatternLength else {
            throw ToolError(.invalidArgument, "the pattern is longer than \(Self.maxPatternLength) characters")
        }
        var parser = Parser(pattern)
        let node = try parser.parse()
        let size = node.programSize
        guard size < Self.maxProgramSize else {
            throw ToolError(.invalidArgument, "the pattern expands to too large a program (counted repeats multiply); simplify it")
        }
        var compiler = Compiler(ignoreCase: ignoreCase)
        compiler.emit(node)
        compiler.program.append(.match)
        program = compiler.program
        sets = parser.sets
        self.ignoreCase = ignoreCase
    }

    /// A matcher with its own scratch space; one per search, not shared between tasks.
    public func matcher() -> RegexMatcher { RegexMatcher(self) }

    static func fold(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        if scalar.isASCII {
            return (0x41...0x5a).contains(scalar.value) ? Unicode.Scalar(UInt8(scalar.value + 0x20)) : scalar
        }
        let lower = scalar.properties.lowercaseMapping.unicodeScalars
        return lower.count == 1 ? lower.first ?? scalar : scalar
    }

    static func upper(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        if scalar.isASCII {
            return (0x61...0x7a).contains(scalar.value) ? Unicode.Scalar(UInt8(scalar.value - 0x20)) : scalar
        }
        let upper = scalar.properties.uppercaseMapping.unicodeScalars
        return upper.count == 1 ? upper.first ?? scalar : scalar
    }

    static func isWord(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII {
            let v = scalar.value
            return (0x30...0x39).contains(v) || (0x41...0x5a).contains(v) || (0x61...0x7a).contains(v) || v == 0x5f
        }
        return scalar.properties.isAlphabetic || scalar.properties.numericType == .decimal
    }

    static func isDigit(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII ? (0x30...0x39).contains(scalar.value) : scalar.properties.numericType == .decimal
    }

    static func isSpace(_ scalar: Unicode.Scalar) -> Bool { scalar.properties.isWhitespace }
}

/// A bracket class or a `\d`-style shorthand: ranges and shorthands, possibly negated.
struct ScalarSet: Sendable, Equatable {
    enum Item: Sendable, Equatable {
        case range(UInt32, UInt32)
        case digit(negated: Bool)
        case word(negated: Bool)
        case space(negated: Bool)
    }

    var items: [Item] = []
    var negated = false

    func contains(_ scalar: Unicode.Scalar) -> Bool {
        let hit = items.contains { item in
            switch item {
            case .range(let low, let high): low <= scalar.value && scalar.value <= high
            case .digit(let negated): LinearRegex.isDigit(scalar) != negated
            case .word(let negated): LinearRegex.isWord(scalar) != negated
            case .space(let negated): LinearRegex.isSpace(scalar) != negated
            }
        }
        return hit != negated
    }
}
