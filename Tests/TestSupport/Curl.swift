import FoundationEssentials
public import Net

/// A real HTTP client for tests: the curl binary. Returns status, headers and body.
public struct CurlResponse: Sendable {
    public let status: Int
    public let headers: [String: String]
    public let body: String

    /// The body parsed as JSON, nil when it is not JSON.
    public var json: JSONValue? { JSONValue.parse(body) }
}

public enum Curl {
    /// `curl -sS -i` with the given method, headers and body. `extra` adds raw curl flags.
    public static func request(_ url: String, method: String = "GET", headers: [String: String] = [:],
                               body: String? = nil, extra: [String] = [], timeout: Int = 30) async throws -> CurlResponse {
        var argv = ["curl", "-sS", "-i", "--max-time", String(timeout), "-X", method]
        for (name, value) in headers { argv += ["-H", "\(name): \(value)"] }
        if let body { argv += ["--data-binary", "@-"] }
        argv += extra + [url]
        let output = try await Subprocess.run(argv, input: body)
        guard output.status == 0 else { throw Subprocess.Failure(description: "curl exited \(output.status): \(output.stderr)") }
        return parse(output.stdout)
    }

    public static func parse(_ raw: String) -> CurlResponse {
        // Skip interim 1xx blocks (100 Continue).
        var text = Substring(raw)
        while text.hasPrefix("HTTP/"), let end = text.firstRange(of: "\r\n\r\n") {
            let head = text[..<end.lowerBound]
            let rest = text[end.upperBound...]
            let statusLine = head.split(separator: "\r\n").first ?? ""
            let status = Int(statusLine.split(separator: " ").dropFirst().first ?? "") ?? 0
            if (100..<200).contains(status) { text = rest; continue }
            var headers: [String: String] = [:]
            for line in head.split(separator: "\r\n").dropFirst() {
                guard let colon = line.firstIndex(of: ":") else { continue }
                headers[line[..<colon].lowercased()] = String(line[line.index(after: colon)...]).trimmingSpaces()
            }
            return CurlResponse(status: status, headers: headers, body: String(rest))
        }
        return CurlResponse(status: 0, headers: [:], body: raw)
    }
}

extension String {
    func trimmingSpaces() -> String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
