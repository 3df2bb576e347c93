import Testing
@testable import Gateway
import Net

/// The direct request reader (issue 10) against the tree decoder: on every body it reads, the
/// same request and usage flag; on every body the tree decoder refuses, or reads differently
/// (repeated keys), it reads nothing and leaves the wording of the error to the tree path.
@Suite struct OpenAIRequestDecoderTests {
    enum Outcome { case read(ChatRequest, includeUsage: Bool), refused(String) }

    /// What the tree path gives: the request, or the error message it throws.
    static func tree(_ body: String) -> Outcome {
        do {
            let json = try JSONParser().parse(Array(body.utf8))
            let decoded = try OpenAIWire.decodeRequest(json)
            return .read(decoded.request, includeUsage: decoded.includeUsage)
        } catch let error as APIError {
            return .refused(error.message)
        } catch {
            return .refused("invalid JSON: \(error)")
        }
    }

    static func refusal(_ body: String) -> String? {
        if case .refused(let message) = tree(body) { message } else { nil }
    }

    static func direct(_ body: String) -> (request: ChatRequest, includeUsage: Bool)? {
        Array(body.utf8).withUnsafeBytes { OpenAIRequestDecoder.decode($0) }
    }

    /// Bodies the direct reader takes: every field `decodeRequest` reads, in several shapes.
    static let plain: [String] = [
        #"{"model":"openai/bench-model","messages":[{"role":"user","content":"hi"}]}"#,
        #"{"messages":[{"role":"user","content":"hi"}]}"#,
        #"{"model":"auto","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"system","content":"be brief"},{"role":"user","content":"hi"}]}"#,
        #"{"model":7,"stream":"yes","temperature":0.5,"top_p":1,"max_tokens":64,"messages":[{"role":"developer","content":"x"},{"role":"function","content":null,"name":"f","tool_call_id":"c1"}]}"#,
        #"{"max_completion_tokens":10,"max_tokens":99,"stop":"END","messages":[{"role":"user","content":[{"type":"text","text":"a"},{"type":"image_url","image_url":{"url":"http://x/y.png"}},{"type":"other"}]}]}"#,
        #"{"max_completion_tokens":null,"max_tokens":5,"stop":["a",1,"b"],"messages":[{"role":"assistant","tool_calls":[{"id":"c","function":{"name":"f","arguments":"{}"}},{"nothing":1}]},{"role":"tool","content":"r","tool_call_id":"c"}]}"#,
        #"{"tools":[{"type":"function","function":{"name":"get","description":"d","parameters":{"type":"object"}}},{"function":{"name":"bare"}},{"function":{}}],"tool_choice":"required","messages":[{"role":"user","content":""}]}"#,
        #"{"tool_choice":{"type":"function","function":{"name":"get"}},"messages":[{"role":"user","content":"x","extra":[1,{"a":null}]}],"user":"u","n":1}"#,
        #"{"tool_choice":"none","messages":[{"content":"late role","role":"user"}]}"#,
        #"{"tool_choice":"auto","stream_options":{"include_usage":"no"},"messages":[{"role":"user","content":"\u00e9\ud83d\ude00 \"quoted\" \\ \n"}]}"#,
        "\u{FEFF}{ \"messages\" : [ { \"role\" : \"user\" , \"content\" : \"spaced\" } ] , \"mod\\u0065l\" : \"escaped-key\" }\n",
    ]

    @Test(arguments: plain)
    func readsThePlainShapeAsTheTreeDoes(_ body: String) throws {
        guard case .read(let expected, let includeUsage) = Self.tree(body) else {
            Issue.record("the tree decoder refused a body meant to be plain: \(body)")
            return
        }
        let direct = try #require(Self.direct(body), "the direct reader left a plain body to the tree: \(body)")
        #expect(direct.request == expected)
        #expect(direct.includeUsage == includeUsage)
    }

    /// Refused by the tree (each with its own message), or read by it with the first of
    /// repeated keys: the direct reader reads none of them.
    static let others: [String] = [
        "", "   ", "[]", "null", #"{"#, #"{"messages":[{"role":"user","content":"hi"}]} x"#,
        #"{"model":"m"}"#, #"{"messages":[]}"#, #"{"messages":"hi"}"#, #"{"messages":[1]}"#,
        #"{"messages":[{"content":"no role"}]}"#, #"{"messages":[{"role":"robot","content":"x"}]}"#,
        #"{"messages":[{"role":7,"content":"x"}]}"#, #"{"messages":[{"role":"user","content":5}]}"#,
        #"{"messages":[{"role":"user","content":{"text":"x"}}]}"#,
        #"{"max_tokens":0,"messages":[{"role":"user","content":"x"}]}"#,
        #"{"max_completion_tokens":-3,"messages":[{"role":"user","content":"x"}]}"#,
        #"{"model":"first","model":"second","messages":[{"role":"user","content":"x"}]}"#,
        #"{"messages":[{"role":"user","content":"a"}],"messages":[{"role":"user","content":"b"}]}"#,
        #"{"messages":[{"role":"user","role":"system","content":"x"}]}"#,
        #"{"messages":[{"role":"user","content":"a","content":"b"}]}"#,
        #"{"messages":[{"role":"user","content":"x"},{"role":"user","content":"y",}]}"#,
    ]

    @Test(arguments: others)
    func leavesEverythingElseToTheTree(_ body: String) {
        #expect(Self.direct(body) == nil, "read directly: \(body)")
    }

    /// The tree path still words each refusal: empty body, invalid JSON, the bad field.
    @Test func theEndpointWordsRefusalsAsBefore() {
        #expect(Self.refusal(#"{"messages":[{"content":"no role"}]}"#) == "messages[0].role is required")
        #expect(Self.refusal(#"{"max_tokens":0,"messages":[{"role":"user","content":"x"}]}"#) == "max_tokens must be positive")
        #expect(Self.refusal(#"{"messages":[{"role":"user","content":5}]}"#) == "messages[0].content must be a string or an array of parts")
        guard case .read(let first, _) = Self.tree(#"{"model":"first","model":"second","messages":[{"role":"user","content":"x"}]}"#) else {
            Issue.record("a repeated key was refused")
            return
        }
        #expect(first.model == "first")
    }
}
