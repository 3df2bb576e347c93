public import Core
public import Net

/// The path a request took, for the `X-TriForce-Route` header:
/// `groq/llama-3.3-70b-versatile; task=general; fallback-from=gemini/gemini-2.5-flash`.
public struct RouteTrace: Sendable, Equatable {
    public var served: String
    public var task: TaskKind?
    public var fallbackFrom: [String]
    public var cached = false
    /// The peer that answered when local upstreams all failed (`via=NODE`).
    public var via: String? = nil

    public init(served: String, task: TaskKind? = nil, fallbackFrom: [String] = [], cached: Bool = false) {
        self.served = served
        self.task = task
        self.fallbackFrom = fallbackFrom
        self.cached = cached
    }

    public var header: String {
        // Appended to one string: an array of parts and a join cost ~1,600 instructions per answer.
        var text = served
        if let task { text += "; task=" + task.rawValue }
        if !fallbackFrom.isEmpty { text += "; fallback-from=" + fallbackFrom.joined(separator: ",") }
        if cached { text += "; cached" }
        if let via { text += "; via=" + via }
        return text
    }
}

/// A whole answer and how it was reached. `model` is the id that really answered.
public struct GatewayAnswer: Sendable {
    public var response: ChatResponse
    public var model: String
    public var trace: RouteTrace

    public init(response: ChatResponse, model: String, trace: RouteTrace) {
        self.response = response
        self.model = model
        self.trace = trace
    }
}

/// A streamed answer whose first event has already arrived (so fallback is over and
/// headers can be sent). A later upstream failure ends `events` with a `ProviderError`.
public struct GatewayStream: Sendable {
    public var events: ChatEventStream
    public var model: String
    public var trace: RouteTrace

    public init(events: ChatEventStream, model: String, trace: RouteTrace) {
        self.events = events
        self.model = model
        self.trace = trace
    }
}
