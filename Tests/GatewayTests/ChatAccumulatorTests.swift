import Gateway
import Testing

@Suite struct ChatAccumulatorTests {
    @Test func keepsEverythingWithoutALimit() {
        var accumulator = ChatAccumulator()
        accumulator.add(.textDelta("Hello, "))
        accumulator.add(.textDelta("world"))
        accumulator.add(.finish(.stop))
        #expect(accumulator.text == "Hello, world")
        #expect(!accumulator.truncated)
        #expect(accumulator.response(model: "m").message.text == "Hello, world")
    }

    @Test func dropsTextAndToolCallsPastTheLimit() {
        var accumulator = ChatAccumulator(maxKeptBytes: 10)
        accumulator.add(.textDelta("12345"))
        accumulator.add(.textDelta("67890"))
        #expect(accumulator.text == "1234567890")
        #expect(!accumulator.truncated)
        accumulator.add(.textDelta("x"))
        #expect(accumulator.truncated)
        #expect(accumulator.text.isEmpty)
        // Nothing more is kept; finish and usage still are.
        accumulator.add(.textDelta("y"))
        accumulator.add(.toolCallDelta(index: 0, id: "call", name: "f", arguments: "{}"))
        accumulator.add(.finish(.length))
        accumulator.add(.usage(Usage(promptTokens: 3, completionTokens: 4)))
        let response = accumulator.response(model: "m")
        #expect(response.message.text.isEmpty)
        #expect(response.message.toolCalls.isEmpty)
        #expect(response.finishReason == .length)
        #expect(response.usage?.completionTokens == 4)
    }

    @Test func toolCallArgumentsCountAgainstTheLimit() {
        var accumulator = ChatAccumulator(maxKeptBytes: 64)
        accumulator.add(.toolCallDelta(index: 0, id: "a", name: "f", arguments: "{"))
        #expect(accumulator.response(model: "m").message.toolCalls.count == 1)
        accumulator.add(.toolCallDelta(index: 0, id: nil, name: nil, arguments: String(repeating: "x", count: 100)))
        #expect(accumulator.truncated)
        #expect(accumulator.response(model: "m").message.toolCalls.isEmpty)
    }
}
