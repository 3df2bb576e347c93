import Net

/// Writes a whole `chat.completion` answer straight to bytes, keys in sorted order, with no
/// `JSONValue` tree (building and serializing the tree was ~17,000 of a chat request's
/// instructions: dictionaries, hashing, a sort per object). Byte for byte what
/// `OpenAIWire.encodeResponse` serialized by `JSONSerializer` gives (the tests compare them).
enum OpenAIResponseEncoder {
    static func encode(_ response: ChatResponse, id: String, model: String, created: Int64) -> [UInt8] {
        let message = response.message
        var out = JSONSerializer(reservingCapacity: 320 + message.text.utf8.count)
        out.writeFragment(#"{"choices":[{"finish_reason":"#)
        out.writeString(response.finishReason.rawValue)
        out.writeFragment(#","index":0,"logprobs":null,"message":{"content":"#)
        if message.content.isEmpty && !message.toolCalls.isEmpty {
            out.writeFragment("null")
        } else {
            out.writeString(message.text)
        }
        out.writeFragment(#","role":"assistant""#)
        out.writeToolCalls(message.toolCalls)
        out.writeFragment(#"}}],"created":"#)
        out.write(.int(created))
        out.writeFragment(#","id":"#)
        out.writeString(id)
        out.writeFragment(#","model":"#)
        out.writeString(model)
        let usage = response.usage ?? Usage(promptTokens: 0, completionTokens: 0)
        out.writeFragment(#","object":"chat.completion","usage":{"completion_tokens":"#)
        out.write(.int(Int64(usage.completionTokens)))
        out.writeFragment(#","prompt_tokens":"#)
        out.write(.int(Int64(usage.promptTokens)))
        out.writeFragment(#","total_tokens":"#)
        out.write(.int(Int64(usage.totalTokens)))
        out.writeFragment("}}")
        return out.bytes
    }
}
