import FoundationEssentials
import Net

/// Talks to one node's HTTP API for the CLI, through the same libcurl client the gateway
/// uses: system CAs, or the `--cacert` file. Error bodies become the node's own message.
struct NodeClient: Sendable {
    let baseURL: String
    let token: String?
    let caFile: String?
    let http: CurlHTTPClient

    init(baseURL: String, token: String?, caFile: String?) throws(ClientError) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.token = token
        self.caFile = caFile
        do {
            http = try CurlHTTPClient()
        } catch {
            throw ClientError("cannot start the HTTP client: \(error)")
        }
    }

    /// Short requests answer within this; a chat stream may take as long as the model does.
    static let shortTimeouts = OutgoingRequest.Timeouts(connect: .seconds(10), firstByte: .seconds(60), idle: .seconds(60), total: .seconds(120))
    static let streamTimeouts = OutgoingRequest.Timeouts(connect: .seconds(10), firstByte: .seconds(300), idle: .seconds(300), total: .seconds(3_600))

    func request(_ method: String, _ path: String, json: JSONValue? = nil, accept: String = "application/json",
                 extraHeaders: [(name: String, value: String)] = [], timeouts: OutgoingRequest.Timeouts = shortTimeouts)
        -> OutgoingRequest {
        var headers: [(name: String, value: String)] = [("Accept", accept)]
        if let token { headers.append(("Authorization", "Bearer " + token)) }
        if json != nil { headers.append(("Content-Type", "application/json")) }
        headers += extraHeaders
        return OutgoingRequest(method: method, url: baseURL + path, headers: headers,
                               body: json.map { Data($0.jsonText.utf8) }, timeouts: timeouts,
                               maxResponseBytes: 16 << 20, certificateAuthorityFile: caFile)
    }

    /// Sends and returns the response once its head is in; a non-2xx status is an error
    /// carrying the node's message.
    func send(_ request: OutgoingRequest) async throws(ClientError) -> OutgoingResponse {
        let response: OutgoingResponse
        do {
            response = try await http.send(request)
        } catch {
            throw describe(error)
        }
        guard (200..<300).contains(response.status) else {
            let body = (try? await response.collect()) ?? Data()
            throw ClientError(Self.failureMessage(status: response.status, body: body, url: request.url, base: baseURL))
        }
        return response
    }

    /// A whole JSON answer.
    func json(_ method: String, _ path: String, body: JSONValue? = nil) async throws(ClientError) -> JSONValue {
        let response = try await send(request(method, path, json: body))
        let data: Data
        do {
            data = try await response.collect()
        } catch {
            throw describe(error)
        }
        guard let json = JSONValue.parse(data) else {
            throw ClientError("\(baseURL)\(path) answered something that is not JSON; is \(baseURL) a triforce node?")
        }
        return json
    }

    static func failureMessage(status: Int, body: Data, url: String, base: String) -> String {
        let json = JSONValue.parse(body)
        let message = json?["error"]?["message"]?.stringValue ?? json?["error"]?.stringValue
            ?? String(decoding: body.prefix(300), as: UTF8.self)
        var text = "HTTP \(status) from \(url): \(message)"
        if status == 401 { text += " (log in with `triforce login \(base)`)" }
        return text
    }

    func describe(_ error: OutgoingHTTPError) -> ClientError {
        switch error.code {
        case .connect, .connectTimeout:
            ClientError("cannot reach \(baseURL): \(error.message); is the node running? (start one with `triforce serve`, or pass --url)")
        case .tls:
            ClientError("TLS with \(baseURL) failed: \(error.message); for a node with its own CA pass --cacert FILE")
        default:
            ClientError("request to \(baseURL) failed: \(error.message)")
        }
    }
}
