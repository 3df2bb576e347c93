import Net

/// The first element of an OpenAI answer's `choices`, read from the bytes by the two direct
/// decoders: a whole answer's (`message`) and a stream chunk's (`delta`). Only the first
/// choice counts; the others are checked and skipped. A duplicate key's first value counts,
/// as in the parsed tree.
struct OpenAIFirstChoice {
    /// The member holding the text and tool calls: `message` or `delta`.
    let body: String
    /// The choice had that member (of any type).
    private(set) var sawBody = false
    private(set) var text: String?
    private(set) var toolCalls: [JSONValue] = []
    private(set) var finish: String?
    private var sawFinish = false, sawContent = false, sawToolCalls = false

    init(body: String) { self.body = body }

    /// Reads the `choices` value that comes next.
    mutating func read(_ scanner: inout JSONScanner) throws(JSONParseError) {
        try scanner.firstElement { (scanner: inout JSONScanner) throws(JSONParseError) in
            guard try scanner.beginObject() else { return }
            while let key = try scanner.nextMember() {
                switch key {
                case body where !sawBody:
                    sawBody = true
                    try readBody(&scanner)
                case "finish_reason" where !sawFinish:
                    sawFinish = true
                    finish = try scanner.string()
                default:
                    try scanner.skip()
                }
            }
        }
    }

    private mutating func readBody(_ scanner: inout JSONScanner) throws(JSONParseError) {
        guard try scanner.beginObject() else { return }
        while let key = try scanner.nextMember() {
            switch key {
            case "content" where !sawContent:
                sawContent = true
                text = try scanner.string()
            case "tool_calls" where !sawToolCalls:
                sawToolCalls = true
                toolCalls = try scanner.value().arrayValue ?? []
            default:
                try scanner.skip()
            }
        }
    }
}
