import FoundationEssentials
import Net

/// Parses a `.env` file: `KEY=value` lines, optional `export `, `#` comments, single or
/// double quotes (double quotes honour \n, \", \\). Malformed lines are reported, not guessed.
enum DotEnv {
    struct ParseError: Error, CustomStringConvertible {
        let line: Int
        let reason: String
        var description: String { ".env line \(line): \(reason)" }
    }

    static func load(path: String) throws -> [String: String] {
        guard let data = FileManager.default.contents(atPath: path) else { return [:] }
        return try parse(String(decoding: data, as: UTF8.self))
    }

    static func parse(_ text: String) throws -> [String: String] {
        var values: [String: String] = [:]
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = raw.trimmed()
            if line.hasSuffix("\r") { line.removeLast() }
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = String(line.dropFirst(7)).trimmed() }
            guard let equals = line.firstIndex(of: "=") else {
                throw ParseError(line: index + 1, reason: "expected KEY=value")
            }
            let key = line[..<equals].trimmed()
            guard !key.isEmpty, key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                throw ParseError(line: index + 1, reason: "invalid key '\(key)'")
            }
            values[key] = try value(String(line[line.index(after: equals)...]).trimmed(), line: index + 1)
        }
        return values
    }

    private static func value(_ raw: String, line: Int) throws -> String {
        guard let quote = raw.first, quote == "\"" || quote == "'" else {
            // Unquoted: an inline comment starts at " #".
            if let hash = raw.firstRange(of: " #") { return String(raw[..<hash.lowerBound]).trimmed() }
            return raw
        }
        guard raw.count >= 2, let close = raw.dropFirst().firstIndex(of: quote) else {
            throw ParseError(line: line, reason: "unterminated quote")
        }
        let inner = String(raw[raw.index(after: raw.startIndex)..<close])
        guard quote == "\"" else { return inner }
        var result = ""
        var escaping = false
        for character in inner {
            if escaping {
                result.append(character == "n" ? "\n" : character == "t" ? "\t" : character)
                escaping = false
            } else if character == "\\" {
                escaping = true
            } else {
                result.append(character)
            }
        }
        return result
    }
}
