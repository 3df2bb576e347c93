import Core
import FoundationEssentials
import Net

/// Fetches a page and, breadth first, same-site pages it links to, up to `max_pages`.
/// Each fetch is SSRF-guarded (the fetcher checks every resolved address on every hop).
struct CrawlTool: Tool {
    let fetcher: any HTTPFetching
    let ssrf: SSRFGuard
    let name = "crawl"
    let description = "Fetch a web page and same-site pages it links to (up to max_pages); returns readable text. Private and loopback addresses are refused."
    let feature = Feature.web
    let annotations = ToolAnnotations(readOnly: true, idempotent: true, openWorld: true)
    var inputSchema: JSONValue {
        InputSchema.object([
            "url": InputSchema.string("http(s) URL to start from", minLength: 8, maxLength: 4_096),
            "max_pages": InputSchema.integer("pages to fetch, including the first", minimum: 1, maximum: 20),
            "max_chars": InputSchema.integer("text kept per page", minimum: 100, maximum: 200_000),
        ], required: ["url"])
    }

    func call(_ arguments: [String: JSONValue], context: ToolContext) async throws -> ToolResult {
        let start = arguments["url"]?.stringValue ?? ""
        guard let startURL = URL(string: start), let scheme = startURL.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = startURL.host?.lowercased(), !host.isEmpty else {
            throw ToolError(.invalidArgument, "url must be an absolute http(s) URL")
        }
        // An address literal in any spelling (0x7f.1, 2130706433, [::ffff:127.0.0.1]) is judged
        // now; names are judged on every resolved address when curl connects, on every hop.
        guard ssrf.allowsHost(host) else {
            throw ToolError(.refused, "refused: \(host) is a private, loopback or reserved address (SSRF guard); an admin can allow it with ssrf_allowlist")
        }
        let maxPages = Int(arguments["max_pages"]?.intValue ?? 1)
        let maxChars = Int(arguments["max_chars"]?.intValue ?? 20_000)
        var queue = [start]
        var seen: Set<String> = [start]
        var pages: [JSONValue] = []
        var failures: [String] = []
        while !queue.isEmpty, pages.count < maxPages {
            try Task.checkCancellation()
            let url = queue.removeFirst()
            await context.progress(Double(pages.count), Double(maxPages), url)
            let page: (finalURL: String, html: String, isHTML: Bool)
            do {
                page = try await fetch(url)
            } catch let error as ToolError {
                if pages.isEmpty && queue.isEmpty { throw error }
                failures.append("\(url): \(error.message)")
                continue
            }
            let parsed = page.isHTML ? HTMLText(page.html) : nil
            let text = String((parsed?.text ?? page.html).prefix(maxChars))
            pages.append(["url": .string(page.finalURL), "title": .string(parsed?.title ?? ""), "text": .string(text)])
            // Only as many links as could still be fetched, with room for failures: a 2 MiB page
            // of 130,000 links under a long URL held gigabytes of absolute URLs otherwise.
            for link in parsed?.links ?? [] {
                guard queue.count < (maxPages - pages.count) * 4 else { break }
                guard let resolved = URL(string: link, relativeTo: URL(string: page.finalURL))?.absoluteURL,
                      resolved.host?.lowercased() == host, ["http", "https"].contains(resolved.scheme?.lowercased() ?? "") else { continue }
                var absolute = resolved.absoluteString
                if let hash = absolute.firstIndex(of: "#") { absolute = String(absolute[..<hash]) }
                if seen.insert(absolute).inserted { queue.append(absolute) }
            }
        }
        let text = pages.map { "# \($0["title"]?.stringValue ?? "") (\($0["url"]?.stringValue ?? ""))\n\($0["text"]?.stringValue ?? "")" }
            .joined(separator: "\n\n") + (failures.isEmpty ? "" : "\n\nnot fetched:\n" + failures.joined(separator: "\n"))
        return .text(text, structured: ["pages": .array(pages), "failed": .array(failures.map { .string($0) })])
    }

    func fetch(_ url: String) async throws -> (finalURL: String, html: String, isHTML: Bool) {
        let request = OutgoingRequest(url: url, headers: [("accept", "text/html,text/plain;q=0.9,*/*;q=0.5")],
                                      timeouts: .init(connect: .seconds(5), firstByte: .seconds(15), idle: .seconds(15), total: .seconds(30)),
                                      maxRedirects: 5, maxResponseBytes: 2 << 20, allowAddress: ssrf.check)
        do {
            let response = try await fetcher.send(request)
            let body = try await response.collect()
            guard (200..<300).contains(response.status) else { throw ToolError(.upstream, "HTTP \(response.status)") }
            let type = response.header("content-type")?.lowercased() ?? ""
            return (response.url, String(decoding: body, as: UTF8.self), type.contains("html") || type.isEmpty)
        } catch let error as OutgoingHTTPError where error.code == .blocked {
            throw ToolError(.refused, "refused: \(error.url) resolves to a private or loopback address (SSRF guard); an admin can allow it with ssrf_allowlist")
        } catch let error as OutgoingHTTPError {
            throw ToolError(.upstream, "fetch failed: \(error)")
        }
    }
}
