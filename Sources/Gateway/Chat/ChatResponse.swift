/// Why the model stopped.
public enum FinishReason: String, Sendable, Equatable {
    case stop
    case length
    case toolCalls = "tool_calls"
    case contentFilter = "content_filter"
    case error
}

/// Token counts as the provider reported them, clamped to 0...`maxReportedTokens`: the
/// numbers come from upstream JSON, and Int64.max once trapped in `totalTokens`.
public struct Usage: Sendable, Equatable {
    /// No model reports a trillion tokens; the bound keeps daily sums far from overflow.
    public static let maxReportedTokens = 1 << 40

    public var promptTokens: Int
    public var completionTokens: Int

    public init(promptTokens: Int, completionTokens: Int) {
        self.promptTokens = min(max(0, promptTokens), Self.maxReportedTokens)
        self.completionTokens = min(max(0, completionTokens), Self.maxReportedTokens)
    }

    public var totalTokens: Int {
        let (sum, overflowed) = promptTokens.addingReportingOverflow(completionTokens)
        return overflowed ? .max : sum
    }
}

/// A complete (non-streamed) answer.
public struct ChatResponse: Sendable, Equatable {
    /// The upstream model id that answered, as the provider named it.
    public var model: String
    public var message: ChatMessage
    public var finishReason: FinishReason
    public var usage: Usage?

    public init(model: String, message: ChatMessage, finishReason: FinishReason, usage: Usage? = nil) {
        self.model = model
        self.message = message
        self.finishReason = finishReason
        self.usage = usage
    }
}

/// One event of a streamed answer, in arrival order. Tool-call deltas carry their index so
/// parallel calls interleave correctly; `id` and `name` come with a call's first delta.
public enum ChatEvent: Sendable, Equatable {
    case textDelta(String)
    case toolCallDelta(index: Int, id: String?, name: String?, arguments: String)
    case finish(FinishReason)
    case usage(Usage)
}

extension ChatResponse {
    /// Collects a stream into one response (used when a caller wants the whole answer).
    public static func collect<Events: AsyncSequence>(_ events: Events, model: String) async throws -> ChatResponse
        where Events.Element == ChatEvent {
        var accumulator = ChatAccumulator()
        for try await event in events { accumulator.add(event) }
        return accumulator.response(model: model)
    }
}

/// Folds stream events into a response; used by `collect` and by the response cache.
/// With `maxKeptBytes`, text and tool calls past that size are dropped whole (`truncated`,
/// never cached): a stream's tap holds a bounded part of a long answer, not all of it.
public struct ChatAccumulator: Sendable {
    public private(set) var text = ""
    var calls: [Int: ToolCall] = [:]
    public private(set) var finishReason: FinishReason?
    public private(set) var usage: Usage?
    public let maxKeptBytes: Int
    public private(set) var truncated = false
    private var keptBytes = 0

    public init(maxKeptBytes: Int = .max) { self.maxKeptBytes = max(0, maxKeptBytes) }

    public mutating func add(_ event: ChatEvent) {
        switch event {
        case .textDelta(let delta):
            if keep(delta.utf8.count) { text += delta }
        case .toolCallDelta(let index, let id, let name, let arguments):
            guard keep(arguments.utf8.count + (id?.utf8.count ?? 0) + (name?.utf8.count ?? 0) + 16) else { return }
            // In place: a copy taken out of the dictionary made every delta copy the
            // arguments gathered so far.
            calls[index, default: ToolCall(id: "", name: "", arguments: "")].arguments += arguments
            if let id, !id.isEmpty { calls[index]?.id = id }
            if let name, !name.isEmpty { calls[index]?.name = name }
        case .finish(let reason): finishReason = reason
        case .usage(let value): usage = value
        }
    }

    /// Counts `bytes` against the limit; past it, what was kept goes too.
    private mutating func keep(_ bytes: Int) -> Bool {
        guard !truncated else { return false }
        let (total, overflow) = keptBytes.addingReportingOverflow(bytes)
        if !overflow, total <= maxKeptBytes {
            keptBytes = total
            return true
        }
        truncated = true
        text = ""
        calls = [:]
        return false
    }

    public func response(model: String) -> ChatResponse {
        let toolCalls = calls.keys.sorted().compactMap { calls[$0] }
        let message = ChatMessage(role: .assistant, content: text.isEmpty ? [] : [.text(text)], toolCalls: toolCalls)
        return ChatResponse(model: model, message: message,
                            finishReason: finishReason ?? (toolCalls.isEmpty ? .stop : .toolCalls), usage: usage)
    }
}
