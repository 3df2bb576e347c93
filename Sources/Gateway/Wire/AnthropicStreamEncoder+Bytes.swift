import Net
import NIOCore

extension AnthropicStreamEncoder {
    /// Appends the SSE events for `event` to `out`. A text delta inside an already open text
    /// block, what nearly every upstream chunk becomes, is written straight as bytes (no
    /// `JSONValue` tree): byte for byte what `encode` serialized with sorted keys gives.
    mutating func appendSSE(_ event: ChatEvent, to out: inout ByteBuffer) {
        guard case .textDelta(let text) = event, openBlock == .text else {
            for (name, payload) in encode(event) { ChatHTTP.appendSSE(payload, event: name, to: &out) }
            return
        }
        var escaped = JSONSerializer(reservingCapacity: text.utf8.count + 2)
        escaped.writeString(text)
        out.writeStaticString("event: content_block_delta\ndata: {\"delta\":{\"text\":")
        out.writeBytes(escaped.bytes)
        out.writeStaticString(#","type":"text_delta"},"index":"#)
        out.writeString(String(blockIndex))
        out.writeStaticString(",\"type\":\"content_block_delta\"}\n\n")
    }
}
