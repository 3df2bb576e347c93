import Net
import NIOCore

/// Writes the `chat.completion.chunk` SSE events of one stream straight into the client's
/// buffer. What never changes within a stream (id, created, model) is encoded once, so a text
/// delta, the event nearly every chunk carries, costs one escaped copy of its text and no
/// `JSONValue` tree. Output is byte for byte what `OpenAIWire.encodeChunk` serialized with
/// sorted keys and framed by `ChatHTTP.appendSSE` gives (the tests compare the two); the
/// rarer events (tool calls, finish, usage) take that path.
struct OpenAIChunkEncoder {
    let id: String
    let model: String
    let created: Int64
    /// `data: {"choices":[{"delta":{"content":` — the text follows.
    private static let textHead: StaticString = #"data: {"choices":[{"delta":{"content":"#
    /// Sorted keys put `role` after `content`; only the first chunk carries it.
    private static let role: StaticString = #","role":"assistant""#
    /// Everything after the delta: the rest of the choice, created, id, model, object.
    private let textTail: [UInt8]
    /// Reused for each text's escaped form (its storage outlives the event).
    private var scratch = JSONSerializer(reservingCapacity: 64)

    init(id: String, model: String, created: Int64) {
        self.id = id
        self.model = model
        self.created = created
        var tail = JSONSerializer()
        tail.writeFragment(#"},"finish_reason":null,"index":0,"logprobs":null}],"created":"#)
        tail.write(.int(created))
        tail.writeFragment(#","id":"#)
        tail.writeString(id)
        tail.writeFragment(#","model":"#)
        tail.writeString(model)
        tail.writeFragment(#","object":"chat.completion.chunk"}"#)
        tail.writeFragment("\n\n")
        textTail = tail.bytes
    }

    /// Appends the SSE event for `event`; `first` adds the assistant role to the delta.
    mutating func append(_ event: ChatEvent, first: Bool, to out: inout ByteBuffer) {
        guard case .textDelta(let text) = event else {
            ChatHTTP.appendSSE(OpenAIWire.encodeChunk(event, id: id, model: model, created: created, first: first), to: &out)
            return
        }
        scratch.removeAll()
        scratch.writeString(text)
        out.writeStaticString(Self.textHead)
        out.writeBytes(scratch.bytes)
        if first { out.writeStaticString(Self.role) }
        out.writeBytes(textTail)
    }
}
