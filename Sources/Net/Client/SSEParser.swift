public import FoundationEssentials

/// One server-sent event.
public struct SSEEvent: Sendable, Equatable {
    /// The `event:` field; nil when absent or empty (the spec's default type "message").
    public var event: String?
    /// The `data:` lines joined by "\n".
    public var data: String
    /// The last event ID seen on the stream so far (it carries over between events).
    public var id: String?
    /// The `retry:` field of this event, in milliseconds.
    public var retry: Int?

    public init(event: String? = nil, data: String, id: String? = nil, retry: Int? = nil) {
        self.event = event
        self.data = data
        self.id = id
        self.retry = retry
    }
}

/// Incremental `text/event-stream` decoder after the WHATWG HTML event-stream rules: feed it
/// byte chunks split anywhere, get complete events back. Handles CRLF, LF and CR line ends, a
/// leading BOM, comments and lines split across chunks. Only the current line and event are
/// held, each capped at `maxEventBytes` (error `.tooLarge` past it).
public struct SSEParser: Sendable {
    public let maxEventBytes: Int
    private var line: [UInt8] = []
    private var data: [UInt8] = []
    private var eventType: String?
    private var lastEventID: String?
    private var retry: Int?
    /// The previous chunk ended in CR: an LF starting this one ends no new line.
    private var pendingCR = false
    private var firstLine = true

    public init(maxEventBytes: Int = 1 << 20) {
        self.maxEventBytes = maxEventBytes
    }

    public mutating func feed(_ chunk: Data) throws(StreamParseError) -> [SSEEvent] {
        var events: [SSEEvent] = []
        let bytes = [UInt8](chunk)
        var start = 0
        if pendingCR, let first = bytes.first {
            pendingCR = false
            if first == lf { start = 1 }
        }
        var index = start
        while index < bytes.count {
            let byte = bytes[index]
            guard byte == lf || byte == cr else {
                index += 1
                continue
            }
            try append(bytes[start..<index])
            if let event = processLine() { events.append(event) }
            line.removeAll(keepingCapacity: true)
            index += 1
            if byte == cr {
                if index < bytes.count {
                    if bytes[index] == lf { index += 1 }
                } else {
                    pendingCR = true
                }
            }
            start = index
        }
        try append(bytes[start..<bytes.count])
        return events
    }

    private mutating func append(_ slice: ArraySlice<UInt8>) throws(StreamParseError) {
        guard !slice.isEmpty else { return }
        guard line.count + data.count + slice.count <= maxEventBytes else {
            throw StreamParseError(.tooLarge, "server-sent event exceeds \(maxEventBytes) bytes")
        }
        line.append(contentsOf: slice)
    }

    private mutating func processLine() -> SSEEvent? {
        var bytes = line[...]
        if firstLine {
            firstLine = false
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        }
        if bytes.isEmpty { return dispatch() }
        if bytes.first == UInt8(ascii: ":") { return nil }
        let field: ArraySlice<UInt8>
        var value: ArraySlice<UInt8>
        if let colon = bytes.firstIndex(of: UInt8(ascii: ":")) {
            field = bytes[..<colon]
            value = bytes[(colon + 1)...]
            if value.first == UInt8(ascii: " ") { value = value.dropFirst() }
        } else {
            field = bytes
            value = []
        }
        switch String(decoding: field, as: UTF8.self) {
        case "event":
            eventType = value.isEmpty ? nil : String(decoding: value, as: UTF8.self)
        case "data":
            data.append(contentsOf: value)
            data.append(lf)
        case "id":
            if !value.contains(0) { lastEventID = String(decoding: value, as: UTF8.self) }
        case "retry":
            if !value.isEmpty, value.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
                retry = Int(String(decoding: value, as: UTF8.self))
            }
        default:
            break
        }
        return nil
    }

    private mutating func dispatch() -> SSEEvent? {
        defer {
            data.removeAll(keepingCapacity: true)
            eventType = nil
            retry = nil
        }
        guard !data.isEmpty else { return nil }
        let text = String(decoding: data.dropLast(), as: UTF8.self)
        return SSEEvent(event: eventType, data: text, id: lastEventID, retry: retry)
    }
}

private let lf = UInt8(ascii: "\n")
private let cr = UInt8(ascii: "\r")
