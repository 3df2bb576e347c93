extension LinearRegex {
    /// The parsed pattern.
    indirect enum Node: Sendable {
        case empty
        case scalar(Unicode.Scalar)
        case any
        case set(Int)
        case assert(Assertion)
        case concat([Node])
        case alternate([Node])
        case repeating(Node, min: Int, max: Int?)

        /// Instructions `Compiler.emit` produces, saturating instead of overflowing.
        var programSize: Int {
            switch self {
            case .empty: return 0
            case .scalar, .any, .set, .assert: return 1
            case .concat(let nodes): return nodes.reduce(0) { $0.addingSaturated($1.programSize) }
            case .alternate(let nodes):
                return nodes.reduce(0) { $0.addingSaturated($1.programSize) }.addingSaturated(2 * (nodes.count - 1))
            case .repeating(let node, let min, let max):
                let one = node.programSize
                let required = one.multipliedSaturated(min)
                let optional = max.map { one.addingSaturated(1).multipliedSaturated($0 - min) } ?? one.addingSaturated(2)
                return required.addingSaturated(optional)
            }
        }
    }

    /// Recursive descent over the pattern's scalars; nesting is bounded by `maxNesting`.
    struct Parser {
        let scalars: [Unicode.Scalar]
        var position = 0
        var sets: [ScalarSet] = []
        var depth = 0

        init(_ pattern: String) { scalars = Array(pattern.unicodeScalars) }

        var peek: Unicode.Scalar? { position < scalars.count ? scalars[position] : nil }

        func fail(_ message: String) -> ToolError {
            ToolError(.invalidArgument, "invalid regular expression at offset \(position): \(message)")
        }

        mutating func parse() throws(ToolError) -> Node {
            let node = try alternation()
            guard position == scalars.count else { throw fail("unmatched ')'") }
            return node
        }

        mutating func alternation() throws(ToolError) -> Node {
            var branches = [try concatenation()]
            while peek == "|" {
                position += 1
                branches.append(try concatenation())
            }
            return branches.count == 1 ? branches[0] : .alternate(branches)
        }

        mutating func concatenation() throws(ToolError) -> Node {
            var nodes: [Node] = []
            while let next = peek, next != "|", next != ")" {
                nodes.append(try quantified())
            }
            return nodes.isEmpty ? .empty : nodes.count == 1 ? nodes[0] : .concat(nodes)
        }

        mutating func quantified() throws(ToolError) -> Node {
            let atom = try self.atom()
            guard let (min, max) = try quantifier() else { return atom }
            if peek == "?" { position += 1 }   // lazy: the same yes/no answer
            if peek == "+" { throw fail("possessive quantifiers are not supported") }
            if let next = peek, next == "*" || next == "+" || next == "?" || (next == "{" && lookingAtCount()) {
                throw fail("a quantifier cannot follow another; use a group")
            }
            if case .assert = atom { throw fail("an anchor cannot be repeated") }
            return .repeating(atom, min: min, max: max)
        }

        mutating func quantifier() throws(ToolError) -> (Int, Int?)? {
            switch peek {
            case "*": position += 1; return (0, nil)
            case "+": position += 1; return (1, nil)
            case "?": position += 1; return (0, 1)
            case "{" where lookingAtCount():
                position += 1
                let min = try number()
                var max: Int? = min
                if peek == "," {
                    position += 1
                    max = peek == "}" ? nil : try number()
                }
                position += 1   // "}" (lookingAtCount checked the shape)
                if let max, max < min { throw fail("{\(min),\(max)}: the maximum is below the minimum") }
                return (min, max)
            default:
                return nil
            }
        }

        /// `{m}`, `{m,}` or `{m,n}` starts here; anything else makes `{` a literal.
        func lookingAtCount() -> Bool {
            var index = position + 1
            var digits = 0
            while index < scalars.count, Self.isDigit(scalars[index]) { index += 1; digits += 1 }
            guard digits > 0, index < scalars.count else { return false }
            if scalars[index] == "}" { return true }
            guard scalars[index] == "," else { return false }
            index += 1
            while index < scalars.count, Self.isDigit(scalars[index]) { index += 1 }
            return index < scalars.count && scalars[index] == "}"
        }

        mutating func number() throws(ToolError) -> Int {
            var value = 0
            while let next = peek, Self.isDigit(next) {
                value = value * 10 + Int(next.value - 0x30)
                guard value <= LinearRegex.maxRepeat else { throw fail("repeat counts above \(LinearRegex.maxRepeat) are not supported") }
                position += 1
            }
            return value
        }

        static func isDigit(_ scalar: Unicode.Scalar) -> Bool { (0x30...0x39).contains(scalar.value) }

        mutating func atom() throws(ToolError) -> Node {
            guard let next = peek else { throw fail("unexpected end") }
            position += 1
            switch next {
            case "(": return try group()
            case "[": return try bracket()
            case ".": return .any
            case "^": return .assert(.lineStart)
            case "$": return .assert(.lineEnd)
            case "\\": return try escape()
            case "*", "+", "?": throw fail("'\(next)' has nothing to repeat")
            case "{" where lookingAtCount(from: position - 1): throw fail("a count has nothing to repeat")
            default: return .scalar(next)
            }
        }

        func lookingAtCount(from start: Int) -> Bool {
            var copy = self
            copy.position = start
            return copy.lookingAtCount()
        }

        mutating func group() throws(ToolError) -> Node {
            if peek == "?" {
                position += 1
                switch peek {
                case ":": position += 1
                case "=", "!": throw fail("lookahead is not supported")
                case "<" where position + 1 < scalars.count && (scalars[position + 1] == "=" || scalars[position + 1] == "!"):
                    throw fail("lookbehind is not supported")
                case "<": position += 1; try skipGroupName()
                case "P" where position + 1 < scalars.count && scalars[position + 1] == "<": position += 2; try skipGroupName()
                default: throw fail("inline flags and other (?…) forms are not supported; use case_sensitive for case")
                }
            }
            depth += 1
            guard depth <= LinearRegex.maxNesting else { throw fail("groups nest deeper than \(LinearRegex.maxNesting)") }
            let inner = try alternation()
            depth -= 1
            guard peek == ")" else { throw fail("missing ')'") }
            position += 1
            return inner
        }

        mutating func skipGroupName() throws(ToolError) {
            let start = position
            while let next = peek, next != ">" {
                guard next == "_" || LinearRegex.isWord(next) else { throw fail("bad group name") }
                position += 1
            }
            guard peek == ">", position > start else { throw fail("bad group name") }
            position += 1
        }

        mutating func escape() throws(ToolError) -> Node {
            guard let next = peek else { throw fail("the pattern ends with a backslash") }
            position += 1
            switch next {
            case "d", "D", "w", "W", "s", "S":
                return .set(add(ScalarSet(items: [Self.shorthand(next)])))
            case "b": return .assert(.wordBoundary)
            case "B": return .assert(.notWordBoundary)
            case "A": return .assert(.lineStart)
            case "z", "Z": return .assert(.lineEnd)
            default: return .scalar(try escapedScalar(next))
            }
        }

        static func shorthand(_ letter: Unicode.Scalar) -> ScalarSet.Item {
            switch letter {
            case "d": .digit(negated: false)
            case "D": .digit(negated: true)
            case "w": .word(negated: false)
            case "W": .word(negated: true)
            case "s": .space(negated: false)
            default: .space(negated: true)
            }
        }

        /// The scalar an escape stands for (after the backslash and `letter`).
        mutating func escapedScalar(_ letter: Unicode.Scalar) throws(ToolError) -> Unicode.Scalar {
            switch letter {
            case "t": return "\t"
            case "n": return "\n"
            case "r": return "\r"
            case "f": return "\u{0C}"
            case "v": return "\u{0B}"
            case "0": return "\0"
            case "x":
                if peek == "{" {
                    position += 1
                    let value = try hex(maxDigits: 6, until: "}")
                    return value
                }
                return try hex(exactly: 2)
            case "u": return try hex(exactly: 4)
            case "1"..."9", "k", "g": throw fail("backreferences are not supported")
            case "p", "P": throw fail("Unicode property classes (\\p{…}) are not supported")
            default:
                guard !LinearRegex.isWord(letter) else { throw fail("unknown escape \\\(letter)") }
                return letter
            }
        }

        mutating func hex(exactly count: Int) throws(ToolError) -> Unicode.Scalar {
            var value: UInt32 = 0
            for _ in 0..<count {
                guard let next = peek, let digit = Self.hexDigit(next) else { throw fail("expected \(count) hex digits") }
                value = value * 16 + digit
                position += 1
            }
            guard let scalar = Unicode.Scalar(value) else { throw fail("not a Unicode scalar") }
            return scalar
        }

        mutating func hex(maxDigits: Int, until end: Unicode.Scalar) throws(ToolError) -> Unicode.Scalar {
            var value: UInt32 = 0
            var digits = 0
            while let next = peek, next != end {
                guard let digit = Self.hexDigit(next), digits < maxDigits else { throw fail("bad \\x{…} escape") }
                value = value * 16 + digit
                digits += 1
                position += 1
            }
            guard peek == end, digits > 0, let scalar = Unicode.Scalar(value) else { throw fail("bad \\x{…} escape") }
            position += 1
            return scalar
        }

        static func hexDigit(_ scalar: Unicode.Scalar) -> UInt32? {
            switch scalar.value {
            case 0x30...0x39: scalar.value - 0x30
            case 0x41...0x46: scalar.value - 0x41 + 10
            case 0x61...0x66: scalar.value - 0x61 + 10
            default: nil
            }
        }

        /// After `[`: items up to the closing `]` (a `]` first is a literal).
        mutating func bracket() throws(ToolError) -> Node {
            var set = ScalarSet()
            if peek == "^" { set.negated = true; position += 1 }
            var first = true
            while true {
                guard let next = peek else { throw fail("missing ']'") }
                if next == "]", !first { position += 1; break }
                first = false
                position += 1
                if next == "[", peek == ":" || peek == "=" || peek == "." {
                    throw fail("POSIX bracket classes ([:alpha:]) are not supported; use \\w, \\d, \\s or ranges")
                }
                var low: Unicode.Scalar
                if next == "\\" {
                    guard let letter = peek else { throw fail("missing ']'") }
                    position += 1
                    if "dDwWsS".unicodeScalars.contains(letter) { set.items.append(Self.shorthand(letter)); continue }
                    if letter == "b" { low = "\u{08}" } else { low = try escapedScalar(letter) }
                } else {
                    low = next
                }
                if peek == "-", position + 1 < scalars.count, scalars[position + 1] != "]" {
                    position += 1
                    guard var high = peek else { throw fail("missing ']'") }
                    position += 1
                    if high == "\\" {
                        guard let letter = peek else { throw fail("missing ']'") }
                        position += 1
                        guard !"dDwWsS".unicodeScalars.contains(letter) else { throw fail("a range cannot end in a class shorthand") }
                        high = try escapedScalar(letter)
                    }
                    guard low.value <= high.value else { throw fail("range out of order") }
                    set.items.append(.range(low.value, high.value))
                } else {
                    set.items.append(.range(low.value, low.value))
                }
            }
            return .set(add(set))
        }

        mutating func add(_ set: ScalarSet) -> Int {
            sets.append(set)
            return sets.count - 1
        }
    }
}

fileprivate extension Int {
    func addingSaturated(_ other: Int) -> Int {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? .max : sum
    }

    func multipliedSaturated(_ other: Int) -> Int {
        let (product, overflow) = multipliedReportingOverflow(by: other)
        return overflow ? .max : product
    }
}
