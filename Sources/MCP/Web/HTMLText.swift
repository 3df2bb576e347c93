/// Readable text, title and links from an HTML page, without a DOM: drops script, style,
/// noscript and svg blocks and comments, turns block tags into line breaks, decodes the
/// common entities and collapses whitespace. Good enough for a model to read a page.
struct HTMLText {
    var title = ""
    var text = ""
    var links: [String] = []

    init(_ html: String) {
        var output = ""
        var titleText = ""
        var inTitle = false
        var skipUntil: String?
        var index = html.startIndex
        let blockTags: Set<String> = ["p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "pre", "table", "ul", "ol", "header", "footer"]
        while index < html.endIndex {
            let character = html[index]
            guard character == "<" else {
                if skipUntil == nil { if inTitle { titleText.append(character) } else { output.append(character) } }
                index = html.index(after: index)
                continue
            }
            if html[index...].hasPrefix("<!--") {
                index = html[index...].firstRange(of: "-->")?.upperBound ?? html.endIndex
                continue
            }
            guard let close = html[index...].firstIndex(of: ">") else { break }
            let tag = html[html.index(after: index)..<close]
            index = html.index(after: close)
            let isEnd = tag.hasPrefix("/")
            let name = tag.drop { $0 == "/" }.prefix { $0.isLetter || $0.isNumber }.lowercased()
            if let waiting = skipUntil {
                if isEnd && name == waiting { skipUntil = nil }
                continue
            }
            switch name {
            case "script", "style", "noscript", "svg", "template": if !isEnd { skipUntil = name }
            case "title": inTitle = !isEnd
            case "a" where !isEnd:
                if let href = Self.attribute("href", in: String(tag)) { links.append(Self.decodeEntities(href)) }
            default:
                if blockTags.contains(name) { output.append("\n") }
            }
        }
        title = Self.collapse(Self.decodeEntities(titleText))
        text = Self.decodeEntities(output)
            .split(separator: "\n").map { Self.collapse(String($0)) }.filter { !$0.isEmpty }.joined(separator: "\n")
    }

    /// The value of `name` (lowercase ASCII) in `tag`, matched without regard to ASCII case.
    /// Matched on the tag's own UTF-8: an index found in a lowercased copy need not fit the
    /// original ("İ" lowercases to three bytes from two), and using it there traps.
    static func attribute(_ name: String, in tag: String) -> String? {
        let bytes = Array(tag.utf8), key = Array((name + "=").utf8)
        guard bytes.count >= key.count,
              let start = (0...(bytes.count - key.count)).first(where: { at in
                  key.indices.allSatisfy { Self.asciiLowercased(bytes[at + $0]) == key[$0] }
              }) else { return nil }
        var rest = Substring(String(decoding: bytes[(start + key.count)...], as: UTF8.self))
        if let quote = rest.first, quote == "\"" || quote == "'" {
            rest = rest.dropFirst()
            return String(rest.prefix { $0 != quote })
        }
        return String(rest.prefix { !$0.isWhitespace && $0 != ">" })
    }

    static func asciiLowercased(_ byte: UInt8) -> UInt8 {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte | 0x20 : byte
    }

    static func collapse(_ text: String) -> String {
        text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    static func decodeEntities(_ text: String) -> String {
        guard text.contains("&") else { return text }
        var result = text
        for (entity, value) in [("&nbsp;", " "), ("&lt;", "<"), ("&gt;", ">"), ("&quot;", "\""), ("&#39;", "'"), ("&apos;", "'"), ("&amp;", "&")] {
            result = result.replacing(entity, with: value)
        }
        return result
    }
}
