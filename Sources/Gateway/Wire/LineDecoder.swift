public import FoundationEssentials

/// Splits a byte stream into lines chunk by chunk, holding at most one partial line.
/// Handles `\n` and `\r\n`; a line longer than `maxLineBytes` is an error, so a hostile
/// upstream cannot grow memory without bound.
public struct LineDecoder: Sendable {
    private var pending: [UInt8] = []
    let maxLineBytes: Int

    public init(maxLineBytes: Int = 4 << 20) { self.maxLineBytes = maxLineBytes }

    public mutating func feed(_ chunk: Data) throws -> [String] {
        var lines: [String] = []
        for byte in chunk {
            if byte == UInt8(ascii: "\n") {
                if pending.last == UInt8(ascii: "\r") { pending.removeLast() }
                lines.append(String(decoding: pending, as: UTF8.self))
                pending.removeAll(keepingCapacity: true)
            } else {
                pending.append(byte)
                if pending.count > maxLineBytes { throw LineTooLong() }
            }
        }
        return lines
    }

    /// The last line when the stream ended without a newline.
    public mutating func finish() -> String? {
        defer { pending = [] }
        return pending.isEmpty ? nil : String(decoding: pending, as: UTF8.self)
    }

    public struct LineTooLong: Error, CustomStringConvertible {
        public var description: String { "line exceeds the limit" }
    }
}

/// One server-sent event: its `event:` name (empty when absent) and joined `data:` lines.
public struct SSEEvent: Sendable, Equatable {
    public var event: String
    public var data: String
}

/// Turns lines into server-sent events (WHATWG rules for `event`, `data`, comments).
public struct SSEDecoder: Sendable {
    private var lines = LineDecoder()
    private var event = ""
    private var data: [String] = []

    public init() {}

    public mutating func feed(_ chunk: Data) throws -> [SSEEvent] {
        var events: [SSEEvent] = []
        for line in try lines.feed(chunk) {
            if let ready = take(line) { events.append(ready) }
        }
        return events
    }

    public mutating func finish() -> [SSEEvent] {
        var events: [SSEEvent] = []
        if let line = lines.finish(), let ready = take(line) { events.append(ready) }
        if let ready = take("") { events.append(ready) }
        return events
    }

    private mutating func take(_ line: String) -> SSEEvent? {
        if line.isEmpty {
            defer { event = ""; data = [] }
            return data.isEmpty ? nil : SSEEvent(event: event, data: data.joined(separator: "\n"))
        }
        if line.hasPrefix(":") { return nil }
        let field: Substring
        var value: Substring
        if let colon = line.firstIndex(of: ":") {
            field = line[..<colon]
            value = line[line.index(after: colon)...]
            if value.hasPrefix(" ") { value = value.dropFirst() }
        } else {
            field = Substring(line)
            value = ""
        }
        switch field {
        case "event": event = String(value)
        case "data": data.append(String(value))
        default: break
        }
        return nil
    }
}
