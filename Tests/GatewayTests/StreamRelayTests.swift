import Testing
@testable import Gateway
import Net
import NIOCore
import FoundationEssentials

/// The per-chunk relay (issue 10): events of one upstream read reach the client's writer
/// with one wake-up, and the direct chunk encoder writes exactly what the JSON tree gave.
@Suite struct StreamRelayTests {
    /// Waits (without a fixed sleep) until `condition` holds; false after a generous deadline.
    static func eventually(_ condition: () -> Bool) async throws -> Bool {
        let end = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < end {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(2))
        }
        return condition()
    }

    @Test func eventsYieldedInABatchWakeTheConsumerOnceAndArriveTogether() async throws {
        let pipe = ChatEventPipe()
        let sink = ChatEventSink(pipe: pipe)
        let consumer = Task { try await pipe.nextBatch(limit: 64) }
        #expect(try await Self.eventually { pipe.consumerIsWaiting })
        let stillWaiting = sink.batch {
            for index in 0..<10 { sink.yield(.textDelta("t\(index)")) }
            // Ten events are buffered, yet nobody was woken: the consumer stays parked.
            return pipe.consumerIsWaiting
        }
        #expect(stillWaiting)
        let batch = try await consumer.value
        #expect(batch == (0..<10).map { ChatEvent.textDelta("t\($0)") })
        // Outside a batch a yield wakes a waiting consumer at once, as before.
        let next = Task { try await pipe.nextBatch(limit: 64) }
        #expect(try await Self.eventually { pipe.consumerIsWaiting })
        sink.yield(.finish(.stop))
        #expect(try await next.value == [.finish(.stop)])
        pipe.finish()
        #expect(try await pipe.nextBatch(limit: 64).isEmpty)
    }

    @Test func aBatchThatThrowsStillWakesTheConsumer() async throws {
        struct Broken: Error {}
        let pipe = ChatEventPipe()
        let sink = ChatEventSink(pipe: pipe)
        let consumer = Task { try await pipe.nextBatch(limit: 64) }
        #expect(try await Self.eventually { pipe.consumerIsWaiting })
        #expect(throws: Broken.self) {
            try sink.batch {
                sink.yield(.textDelta("a"))
                throw Broken()
            }
        }
        #expect(try await consumer.value == [.textDelta("a")])
    }

    @Test func sseBatchesHoldEveryEventOneChunkCompletes() async throws {
        let body = ResponseBody(chunks: ["data: 1\n\ndata: 2\n\ndata: ", "3", "\n\n", "data: 4\n\ndata: [DONE]\n\n"].map { Data($0.utf8) })
        var events = body.sseEvents().makeAsyncIterator()
        var batches: [[String]] = []
        while let batch = try await events.nextBatch() { batches.append(batch.map(\.data)) }
        // A read that completes no event ("3") gives no empty batch.
        #expect(batches == [["1", "2"], ["3"], ["4", "[DONE]"]])
    }

    @Test func ndjsonBatchesKeepTheFinalUnterminatedLine() async throws {
        let body = ResponseBody(chunks: ["{\"a\":1}\n{\"b\"", ":2}\n", "{\"c\":3}"].map { Data($0.utf8) })
        var lines = body.ndjsonLines().makeAsyncIterator()
        var batches: [[String]] = []
        while let batch = try await lines.nextBatch() { batches.append(batch.map { String(decoding: $0, as: UTF8.self) }) }
        #expect(batches == [[#"{"a":1}"#], [#"{"b":2}"#], [#"{"c":3}"#]])
    }

    @Test func theChunkEncoderWritesWhatTheJSONTreeWrote() {
        let events: [ChatEvent] = [
            .textDelta("x"), .textDelta("quote \" backslash \\ newline \n tab \t ctrl \u{01} slash / é 你好 🙂"), .textDelta(""),
            .toolCallDelta(index: 0, id: "call_1", name: "lookup", arguments: "{\"q\":"),
            .toolCallDelta(index: 0, id: nil, name: nil, arguments: "1}"),
            .finish(.stop), .finish(.toolCalls), .usage(Usage(promptTokens: 3, completionTokens: 2001)),
        ]
        for (id, model, created) in [("chatcmpl-abc", "openai/bench-model", Int64(1_764_000_000)),
                                     ("chatcmpl-\"odd\"", "vendor/m\\odel \u{7}", Int64(-5))] {
            var encoder = OpenAIChunkEncoder(id: id, model: model, created: created)
            for first in [true, false] {
                for event in events {
                    var fast = ByteBuffer()
                    encoder.append(event, first: first, to: &fast)
                    var tree = ByteBuffer()
                    ChatHTTP.appendSSE(OpenAIWire.encodeChunk(event, id: id, model: model, created: created, first: first), to: &tree)
                    #expect(String(buffer: fast) == String(buffer: tree), "\(event) first \(first)")
                }
            }
        }
    }

    @Test func theAnthropicByteEncoderWritesWhatTheJSONTreeWrote() {
        let events: [ChatEvent] = [
            .textDelta("x"), .textDelta("quote \" backslash \\ newline \n ctrl \u{01} é 🙂"), .textDelta(""),
            .toolCallDelta(index: 0, id: "toolu_1", name: "lookup", arguments: "{\"q\":"), .toolCallDelta(index: 0, id: nil, name: nil, arguments: "1}"),
            .textDelta("after the tool"), .textDelta("more"), .finish(.stop), .usage(Usage(promptTokens: 3, completionTokens: 7)),
        ]
        var tree = AnthropicStreamEncoder(id: "msg_1", model: "openai/bench-model")
        var bytes = tree
        var expected = ByteBuffer()
        var written = ByteBuffer()
        for event in events {
            for (name, payload) in tree.encode(event) { ChatHTTP.appendSSE(payload, event: name, to: &expected) }
            bytes.appendSSE(event, to: &written)
        }
        #expect(String(buffer: written) == String(buffer: expected))
        #expect(expected.readableBytes > 0)
    }

    @Test func theRequestEncoderWritesWhatTheJSONTreeSerializes() {
        let call = ToolCall(id: "call_1", name: "weather", arguments: #"{"city":"Zürich"}"#)
        var plain = ChatRequest(model: "openai/gpt-4o", messages: [ChatMessage(role: .user, text: "hi \"there\" é\n")])
        var full = ChatRequest(model: "m", messages: [
            ChatMessage(role: .system, text: "be brief"),
            ChatMessage(role: .user, content: [.text("look"), .image(url: "data:image/png;base64,AAAA"), .text("and this")], name: "ann"),
            ChatMessage(role: .assistant, content: [], toolCalls: [call, ToolCall(id: "", name: "", arguments: "{}")]),
            ChatMessage(role: .tool, content: [.text("sunny")], toolCallID: "call_1", name: "weather"),
            ChatMessage(role: .assistant, content: [.text("It is "), .text("sunny.")], toolCalls: [call]),
            ChatMessage(role: .user, content: []),
        ])
        full.tools = [ToolDefinition(name: "weather", description: "the weather",
                                     parameters: ["type": "object", "properties": ["city": ["type": "string"]], "required": ["city"]]),
                      ToolDefinition(name: "noop")]
        full.maxTokens = 256
        full.stop = ["\n\n", "END"]
        full.temperature = 0.7
        full.topP = 1
        let choices: [ToolChoice?] = [nil, .auto, ToolChoice.none, .required, .tool("weather")]
        plain.temperature = 1e-7
        for request in [plain, full] {
            for choice in choices {
                var request = request
                request.toolChoice = choice
                for (stream, usage) in [(false, true), (true, true), (true, false)] {
                    let tree = JSONSerializer.serialize(OpenAIWire.encodeRequest(request, stream: stream, includeUsage: usage))
                    let direct = OpenAIRequestEncoder.encode(request, stream: stream, includeUsage: usage)
                    #expect(String(decoding: direct, as: UTF8.self) == String(decoding: tree, as: UTF8.self))
                }
                // The cache key: the tree with the requested model put in, as keys were made before.
                guard case .object(var object) = OpenAIWire.encodeRequest(request, stream: false) else { continue }
                object["model"] = "auto"
                #expect(OpenAIRequestEncoder.encode(request, model: "auto", stream: false) == JSONSerializer.serialize(.object(object)))
            }
        }
    }

    @Test func theResponseEncoderWritesWhatTheJSONTreeSerializes() {
        let call = ToolCall(id: "call_\"1\"", name: "weather", arguments: #"{"city":"Zürich\n"}"#)
        let responses = [
            ChatResponse(model: "m", message: ChatMessage(role: .assistant, content: [.text("pong")]), finishReason: .stop,
                         usage: Usage(promptTokens: 3, completionTokens: 1)),
            ChatResponse(model: "m", message: ChatMessage(role: .assistant, content: [.text("é \"q\" \\ / \u{1} 🙂\n")]), finishReason: .length),
            ChatResponse(model: "m", message: ChatMessage(role: .assistant, content: []), finishReason: .contentFilter),
            ChatResponse(model: "m", message: ChatMessage(role: .assistant, content: [], toolCalls: [call, ToolCall(id: "", name: "", arguments: "{}")]),
                         finishReason: .toolCalls, usage: Usage(promptTokens: 10, completionTokens: 20)),
            ChatResponse(model: "m", message: ChatMessage(role: .assistant, content: [.text("first "), .text("then a call")], toolCalls: [call]),
                         finishReason: .toolCalls),
        ]
        for response in responses {
            for (id, model, created) in [("chatcmpl-1", "openai/gpt-4o", Int64(1_700_000_000)), (#"a"b\"#, "", Int64(-1))] {
                let tree = JSONSerializer.serialize(OpenAIWire.encodeResponse(response, id: id, model: model, created: created))
                let direct = OpenAIResponseEncoder.encode(response, id: id, model: model, created: created)
                #expect(String(decoding: direct, as: UTF8.self) == String(decoding: tree, as: UTF8.self))
            }
        }
    }

    @Test func theResponseDecoderFindsWhatTheJSONTreeFinds() throws {
        let answers = [
            #"{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"pong"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}"#,
            #"{"choices":[{"message":{"content":"h\u00e9\n\"q\" \ud83d\ude42","refusal":null},"logprobs":null,"finish_reason":"length"}],"model":"m","system_fingerprint":"fp"}"#,
            #"{"model":"m","choices":[{"message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"f","arguments":"{\"a\":1}"}},{"type":"function"},7]}}]}"#,
            #"{"choices":[{"message":{"content":"first"}},{"message":{"content":"second"},"finish_reason":"stop"}]}"#,
            #"{"choices":[{"message":{"content":"a","content":"b"},"message":{"content":"c"},"finish_reason":"stop","finish_reason":"length"}],"choices":[{"message":{"content":"d"}}],"model":"x","model":"y"}"#,
            #"{"choices":[{"message":{"content":7,"tool_calls":"no"},"finish_reason":3}],"usage":{"prompt_tokens":"x"},"model":1}"#,
            #"{"choices":[{"message":null,"finish_reason":"tool_calls"}],"usage":{"prompt_tokens":2}}"#,
            #"{"choices":[{"message":"text","finish_reason":"content_filter"}]}"#,
            #"{"choices":[{"message":{"content":[{"type":"text","text":"parts"}]},"finish_reason":"eos"}]}"#,
            "\u{FEFF}" + #"{"choices":[{"message":{"content":"after a BOM"}}]}"#,
            // Usage read without a tree: repeated keys, other shapes and number forms.
            #"{"choices":[{"message":{"content":"u"}}],"usage":{"completion_tokens":4,"prompt_tokens":2,"prompt_tokens":9,"completion_tokens":1}}"#,
            #"{"choices":[{"message":{"content":"u"}}],"usage":[{"prompt_tokens":1}]}"#,
            #"{"choices":[{"message":{"content":"u"}}],"usage":{"prompt_tokens":2.0,"completion_tokens":2.5}}"#,
            #"{"choices":[{"message":{"content":"u"}}],"usage":{"completion_tokens":3}}"#,
            #"{"choices":[{"message":{"content":"u"}}],"usage":{"prompt_tokens":-1,"completion_tokens":null,"x":{"prompt_tokens":5}}}"#,
            #"{"choices":[{"message":{"content":"u"}}],"usage":{"prompt_tokens":9223372036854775807,"completion_tokens":1e3}}"#,
            // Skipped fields are still parsed in full.
            #"{"x":{"a":[1,-2.5e3,{"b":true,"c":null,"d":"é\u00e9"}],"e":{},"f":[]},"choices":[{"message":{"content":"kept"}}]}"#,
        ]
        for text in answers {
            let tree = try #require(JSONValue.parse(text), "\(text)")
            let direct = try Array(text.utf8).withUnsafeBytes { try OpenAIResponseDecoder.decode($0, provider: "p") }
            #expect(direct == (try OpenAIWire.decodeResponse(tree, provider: "p")), "\(text)")
        }
        // No usable first choice: the same error as the tree's.
        let noChoices = [#"{}"#, #"{"choices":[]}"#, #"{"choices":{"message":{"content":"x"}}}"#, #"{"choices":["x",{"message":{}}]}"#,
                         #"{"choices":[{"delta":{"content":"x"}}]}"#, #"[{"choices":[{"message":{}}]}]"#, "null", #""text""#]
        for text in noChoices {
            let tree = try #require(JSONValue.parse(text), "\(text)")
            #expect(throws: ProviderError.self) { try OpenAIWire.decodeResponse(tree, provider: "p") }
            let error = #expect(throws: ProviderError.self) { try Array(text.utf8).withUnsafeBytes { try OpenAIResponseDecoder.decode($0, provider: "p") } }
            #expect(error?.code == .invalidResponse)
            #expect(error?.message == "no choices in the answer", "\(text)")
        }
        let invalid = ["", " ", #"{"choices":[{"message":{"content":"x"}}]"#, #"{"choices":[{"message":{"content":"x"}}]} trailing"#,
                       #"{"choices":[{"message":{"content":"x"},}]}"#, #"{"choices":[1 2]}"#, #"{"usage":{"prompt_tokens":1e999}}"#,
                       String(repeating: "[", count: 70) + String(repeating: "]", count: 70), #"{"x":"\q","choices":[]}"#]
        for text in invalid {
            #expect(JSONValue.parse(text) == nil, "\(text)")
            let error = #expect(throws: ProviderError.self) { try Array(text.utf8).withUnsafeBytes { try OpenAIResponseDecoder.decode($0, provider: "p") } }
            #expect(error?.message == "upstream answered with invalid JSON", "\(text)")
        }
    }

    @Test func theChunkDecoderFindsWhatTheJSONTreeFinds() throws {
        let chunks = [
            #"{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"x"},"finish_reason":null}]}"#,
            #"{"choices":[{"delta":{"role":"assistant","content":"h\u00e9\n\"q\" \ud83d\ude42"},"logprobs":null,"finish_reason":null,"index":0}],"system_fingerprint":"fp","model":"m"}"#,
            #"{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"#,
            #"{"choices":[{"index":0,"delta":{"content":""},"finish_reason":"length"}],"usage":null}"#,
            #"{"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":5,"total_tokens":8}}"#,
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"call_1","type":"function","function":{"name":"f","arguments":"{\"a\""}}]},"finish_reason":null}]}"#,
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"function":{"arguments":":1}"}}]},"finish_reason":"tool_calls"}]}"#,
            #"{"choices":[{"delta":{"content":"first"}},{"delta":{"content":"second"},"finish_reason":"stop"}]}"#,
            #"{"choices":[{"delta":{"content":"a","content":"b"},"finish_reason":"stop","finish_reason":"length"}],"choices":[{"delta":{"content":"c"}}]}"#,
            #"{"choices":[{"delta":{"content":7,"tool_calls":"no"},"finish_reason":3}],"usage":{"prompt_tokens":"x"}}"#,
            #"{"choices":{"delta":{"content":"not an array"}}}"#, #"{"choices":["not an object",{"delta":{"content":"second"}}]}"#,
            #"{"error":{"message":"rate limited","type":"x"}}"#, #"{"error":"plain"}"#,
            #"[{"choices":[{"delta":{"content":"x"}}]}]"#, #""text""#, "null", " \n{ } \t",
            "\u{FEFF}" + #"{"choices":[{"delta":{"content":"after a BOM"}}]}"#,
            #"{"choices":[],"usage":{"completion_tokens":4,"prompt_tokens":2,"prompt_tokens":9}}"#,
            #"{"choices":[],"usage":{"prompt_tokens":2.0,"completion_tokens":"7"}}"#, #"{"choices":[],"usage":[]}"#,
            // Skipped fields are still parsed in full.
            #"{"x":{"a":[1,-2.5e3,{"b":true,"c":null,"d":"é\u00e9\ud83d\ude42 \"q\" \\"}],"e":{},"f":[]},"choices":[{"delta":{"content":"kept"}}]}"#,
        ]
        for text in chunks {
            let tree = try #require(JSONValue.parse(text), "\(text)")
            let direct = try #require(OpenAIChunkDecoder.decode(text), "\(text)")
            #expect(direct.events == OpenAIWire.decodeChunk(tree), "\(text)")
            #expect(direct.errorMessage == tree["error"]?["message"]?.stringValue, "\(text)")
        }
        let invalid = ["", " ", #"{"choices":[{"delta":{"content":"x"}}]"#, #"{"choices":[{"delta":{"content":"x"}}]}}"#,
                       #"{"choices":[{"delta":{"content":"x"},}]}"#, #"{"choices":[,{"delta":{}}]}"#, #"{"choices":[{"delta":{"content":"\x"}}]}"#,
                       #"{"a":1 "b":2}"#, #"{"a" 1}"#, #"{"choices":[1 2]}"#, #"{"choices":[{"delta":{"content":"x"}]]}"#,
                       #"{"usage":{"prompt_tokens":1e999}}"#, String(repeating: "[", count: 70) + String(repeating: "]", count: 70),
                       #"{"choices":[{"delta":{"content":"x"}}]} trailing"#,
                       #"{"model":"\ud83d","choices":[]}"#, "{\"id\":\"raw \u{01} control\",\"choices\":[]}", #"{"x":{"a":[1,2,{"b":tru}]}}"#,
                       #"{"x":[1,]}"#, #"{"x":{"a" 1}}"#, #"{"x":-}"#, #"{"x":"\q"}"#, #"{"x":"unterminated}"#]
        for text in invalid {
            #expect(JSONValue.parse(text) == nil, "\(text)")
            #expect(OpenAIChunkDecoder.decode(text) == nil, "\(text)")
        }
        // Invalid UTF-8 in a skipped field, and in the text itself.
        for bytes: [UInt8] in [Array(#"{"id":"a"#.utf8) + [0xFF] + Array(#"","choices":[]}"#.utf8),
                               Array(#"{"choices":[{"delta":{"content":"a"#.utf8) + [0xC3] + Array(#""}}]}"#.utf8)] {
            #expect(throws: JSONParseError.self) { try bytes.withUnsafeBytes { try OpenAIChunkDecoder.decode($0) } }
            #expect(JSONValue.parse(Data(bytes)) == nil)
        }
    }
}
