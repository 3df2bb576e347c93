import Core
import FoundationEssentials
public import Net

/// `search` (SearXNG JSON API) and `crawl` (readable text from same-site pages), both over
/// the `HTTPFetching` seam. Crawl targets pass the SSRF guard on every hop; the SearXNG
/// endpoint is the operator's own configuration and is trusted (it is usually loopback).
public enum WebTools {
    public static func all(fetcher: any HTTPFetching, searxngURL: String?, guard ssrf: SSRFGuard) -> [any Tool] {
        [SearchTool(fetcher: fetcher, baseURL: searxngURL), CrawlTool(fetcher: fetcher, ssrf: ssrf)]
    }

    static func percentEncode(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                result.append(Character(UnicodeScalar(byte)))
            default:
                let digits = Array("0123456789ABCDEF")
                result += "%" + String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 0xf)])
            }
        }
        return result
    }
}

struct SearchTool: Tool {
    let fetcher: any HTTPFetching
    let baseURL: String?
    let name = "search"
    let description = "Web search through the node's SearXNG instance; returns titles, URLs and snippets."
    let feature = Feature.web
    let annotations = ToolAnnotations(readOnly: true, openWorld: true)
    var inputSchema: JSONValue {
        InputSchema.object([
            "query": InputSchema.string("search terms", minLength: 1, maxLength: 500),
            "max_results": InputSchema.integer("most results", minimum: 1, maximum: 50),
        ], required: ["query"])
    }

    func call(_ arguments: [String: JSONValue], context: ToolContext) async throws -> ToolResult {
        guard let baseURL, !baseURL.isEmpty else {
            throw ToolError(.refused, "web search is not configured; set SEARXNG_URL to a SearXNG instance with the JSON format enabled")
        }
        let query = arguments["query"]?.stringValue ?? ""
        let url = baseURL.trimmingSlash() + "/search?format=json&q=" + WebTools.percentEncode(query)
        let request = OutgoingRequest(url: url, headers: [("accept", "application/json")],
                                      timeouts: .init(connect: .seconds(5), firstByte: .seconds(20), idle: .seconds(20), total: .seconds(30)),
                                      maxResponseBytes: 4 << 20)
        let response: OutgoingResponse
        let body: Data
        do {
            response = try await fetcher.send(request)
            body = try await response.collect()
        } catch {
            throw ToolError(.upstream, "search failed: \(error)")
        }
        guard response.status == 200, let json = JSONValue.parse(body) else {
            throw ToolError(.upstream, "SearXNG answered HTTP \(response.status); is format=json enabled in its settings?")
        }
        let limit = Int(arguments["max_results"]?.intValue ?? 10)
        let results: [JSONValue] = (json["results"]?.arrayValue ?? []).prefix(limit).map { item in
            ["title": .string(item["title"]?.stringValue ?? ""), "url": .string(item["url"]?.stringValue ?? ""),
             "snippet": .string(item["content"]?.stringValue ?? "")]
        }
        let text = results.isEmpty ? "no results"
            : results.map { "\($0["title"]?.stringValue ?? "")\n\($0["url"]?.stringValue ?? "")\n\($0["snippet"]?.stringValue ?? "")" }.joined(separator: "\n\n")
        return .text(text, structured: ["results": .array(results)])
    }
}

extension String {
    func trimmingSlash() -> String { var text = self; while text.hasSuffix("/") { text.removeLast() }; return text }
}
