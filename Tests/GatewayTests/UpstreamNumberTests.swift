import Testing
import Gateway
import Net

/// Numbers from upstream responses never trap (issue 9 item 2 audit): token counts beyond
/// Int64 arithmetic and a Retry-After of Int64.max are clamped.
@Suite struct UpstreamNumberTests {
    @Test func hugeTokenCountsAreClamped() throws {
        let json = JSONValue.parse(#"""
            {"id":"x","object":"chat.completion","model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},
             "finish_reason":"stop"}],"usage":{"prompt_tokens":9223372036854775807,"completion_tokens":9223372036854775807}}
            """#)
        let response = try OpenAIWire.decodeResponse(try #require(json), provider: "openai")
        let usage = try #require(response.usage)
        #expect(usage.promptTokens == Usage.maxReportedTokens && usage.totalTokens == 2 * Usage.maxReportedTokens)
        let encoded = OpenAIWire.encodeResponse(response, id: "x", model: "m", created: 0)
        #expect(encoded["usage"]?["total_tokens"] == .int(Int64(2 * Usage.maxReportedTokens)))
        #expect(Usage(promptTokens: -5, completionTokens: .min).totalTokens == 0)
        let anthropic = JSONValue.parse(#"{"type":"message","role":"assistant","model":"m","content":[{"type":"text","text":"hi"}],"stop_reason":"end_turn","usage":{"input_tokens":9223372036854775807,"output_tokens":9223372036854775807}}"#)
        #expect(try AnthropicWire.decodeResponse(try #require(anthropic), provider: "anthropic").usage?.totalTokens == 2 * Usage.maxReportedTokens)
    }

    @Test func retryAfterIsBounded() {
        let error = ProviderError.fromStatus(429, body: "{}", provider: "p", retryAfterHeader: "9223372036854775807")
        #expect(error.retryAfter == .seconds(3_600))
        #expect(ProviderError.fromStatus(429, body: "{}", provider: "p", retryAfterHeader: "-7").retryAfter == .seconds(0))
        #expect(ProviderError.fromStatus(429, body: "{}", provider: "p", retryAfterHeader: "99999999999999999999999").retryAfter == nil)
    }
}
