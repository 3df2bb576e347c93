@testable import Net
@testable import Gateway
@testable import MCP
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

/// One libFuzzer target per parser that reads untrusted bytes. Each returns normally on any
/// refusal; a trap, a sanitizer report or a failed invariant (`check`) is a finding.
enum FuzzTargets {
    static let all: [String: @Sendable ([UInt8]) -> Void] = [
        "json": json, "jsonrpc": jsonRPC, "sse": sse, "ndjson": ndjson,
        "openai": openAI, "anthropic": anthropic, "gemini": gemini,
        "pem": pem, "jointoken": joinToken, "diff": diff, "html": html, "regex": regex,
    ]

    /// The target named by FUZZ_TARGET (read once, lazily: libFuzzer's own main may run first).
    static let selected: (@Sendable ([UInt8]) -> Void)? = getenv("FUZZ_TARGET").flatMap { all[String(cString: $0)] }

    static func check(_ condition: Bool, _ message: @autoclosure () -> String) {
        guard condition else {
            print("invariant failed: \(message())")
            abort()
        }
    }

    /// Parse; whatever parses must serialize and parse back to the same value.
    static func json(_ bytes: [UInt8]) {
        guard let value = try? JSONParser().parse(bytes) else { return }
        let text = JSONSerializer.serialize(value)
        check((try? JSONParser().parse(text)) == value, "round trip of \(String(decoding: text, as: UTF8.self))")
    }

    static func jsonRPC(_ bytes: [UInt8]) {
        switch JSONRPCBody.decode(Data(bytes)) {
        case .single(let message): _ = try? message.get()
        case .batch(let items): _ = items.count
        case .unusable(let error): check(error.code == -32700 || error.code == -32600, "code \(error.code)")
        }
        if let value = try? JSONParser().parse(bytes) {
            _ = MCPController.versionProblem([JSONRPCMessage.decode(LegacyRequest.upgrade(value, isTool: { $0 == "status" }))], headerVersion: nil)
        }
    }

    /// Events must not depend on where the stream was split into chunks.
    static func sse(_ bytes: [UInt8]) {
        var whole = SSEParser(maxEventBytes: 4096)
        let expected = try? whole.feed(Data(bytes))
        var split = SSEParser(maxEventBytes: 4096)
        var events: [SSEEvent] = []
        do {
            for chunk in chunks(bytes) { events += try split.feed(Data(chunk)) }
            check(expected == events, "split changed the events")
        } catch {
            check(expected == nil, "split refused what whole accepted")
        }
    }

    static func ndjson(_ bytes: [UInt8]) {
        var whole = NDJSONParser(maxLineBytes: 4096)
        let expected = (try? whole.feed(Data(bytes))).map { $0 + (whole.finish().map { [$0] } ?? []) }
        var split = NDJSONParser(maxLineBytes: 4096)
        var lines: [Data] = []
        do {
            for chunk in chunks(bytes) { lines += try split.feed(Data(chunk)) }
            if let last = split.finish() { lines.append(last) }
            check(expected == lines, "split changed the lines")
        } catch {
            check(expected == nil, "split refused what whole accepted")
        }
    }

    static func openAI(_ bytes: [UInt8]) {
        // The chunk and answer decoders read the bytes directly: they must accept exactly what
        // the parser accepts and find what the tree gives.
        let direct = bytes.withUnsafeBytes { try? OpenAIChunkDecoder.decode($0) }
        let answer = bytes.withUnsafeBytes { bytes in Result { () throws(ProviderError) in try OpenAIResponseDecoder.decode(bytes, provider: "fuzz") } }
        // The client request reader either gives what the tree decoder gives, or nothing.
        let request = bytes.withUnsafeBytes { OpenAIRequestDecoder.decode($0) }
        guard let json = try? JSONParser().parse(bytes) else {
            check(request == nil, "request reader accepted what the parser refused")
            check(direct == nil, "chunk decoder accepted what the parser refused")
            check((try? answer.get()) == nil, "answer decoder accepted what the parser refused")
            return
        }
        switch (answer, Result { try OpenAIWire.decodeResponse(json, provider: "fuzz") }) {
        case (.success(let fromBytes), .success(let fromTree)): check(fromBytes == fromTree, "answer decoder and tree disagree")
        case (.failure(let fromBytes), .failure(let fromTree)):
            check(fromBytes.message == (fromTree as? ProviderError)?.message, "answer decoder and tree fail differently")
        default: check(false, "answer decoder and tree disagree on success")
        }
        check(direct?.events == OpenAIWire.decodeChunk(json), "chunk decoder and tree disagree")
        check(direct?.errorMessage == json["error"]?["message"]?.stringValue, "chunk decoder missed the error")
        let treeRequest = try? OpenAIWire.decodeRequest(json)
        if let request {
            check(treeRequest?.request == request.request && treeRequest?.includeUsage == request.includeUsage,
                  "request reader and tree disagree")
        }
        if let (request, _) = treeRequest {
            let tree = JSONSerializer.serialize(OpenAIWire.encodeRequest(request, stream: true))
            check(OpenAIRequestEncoder.encode(request, stream: true) == tree, "request encoder and tree disagree")
            _ = AnthropicWire.encodeRequest(request, stream: false).encoded()
            _ = GeminiProvider.encodeRequest(request).encoded()
        }
        if let response = try? OpenAIWire.decodeResponse(json, provider: "fuzz") {
            let tree = JSONSerializer.serialize(OpenAIWire.encodeResponse(response, id: "x", model: "m", created: 0))
            check(OpenAIResponseEncoder.encode(response, id: "x", model: "m", created: 0) == tree, "answer encoder and tree disagree")
            _ = AnthropicWire.encodeResponse(response, id: "x", model: "m").encoded()
        }
        for event in OpenAIWire.decodeChunk(json) {
            _ = OpenAIWire.encodeChunk(event, id: "x", model: "m", created: 0, first: true).encoded()
        }
    }

    static func anthropic(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        var stream = AnthropicStreamDecoder()
        _ = try? stream.decode(SSEEvent(event: "content_block_delta", data: text), provider: "fuzz")
        guard let json = try? JSONParser().parse(bytes) else { return }
        if let request = try? AnthropicWire.decodeRequest(json) {
            _ = OpenAIWire.encodeRequest(request, stream: false).encoded()
        }
        if let response = try? AnthropicWire.decodeResponse(json, provider: "fuzz") {
            let tree = JSONSerializer.serialize(OpenAIWire.encodeResponse(response, id: "x", model: "m", created: 0))
            check(OpenAIResponseEncoder.encode(response, id: "x", model: "m", created: 0) == tree, "answer encoder and tree disagree")
        }
    }

    static func gemini(_ bytes: [UInt8]) {
        guard let json = try? JSONParser().parse(bytes) else { return }
        _ = try? GeminiProvider.decodeChunk(json, provider: "fuzz")
    }

    /// Certificates and keys through mbedTLS, then our own DER reading of their extensions.
    static func pem(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        if let certificate = try? Certificate(pem: text) { _ = (certificate.info, certificate.pem) }
        if let certificate = try? Certificate(der: bytes) { _ = (certificate.info, certificate.der.count) }
        _ = try? PrivateKey(pem: text)
        _ = try? PublicKey(pem: text)
        _ = try? CertificateSigningRequest(pem: text).verifiedPublicKey()
        _ = SubjectAltNames.parse(extensions: bytes, bytes.count)
    }

    static func joinToken(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        _ = JoinTokenText.decode(text)
        _ = JoinTokenText.decode(JoinTokenText.prefix + text)
        _ = JoinTokenText.decode(JoinTokenText.prefix + Base64URL.encode(bytes))
    }

    static func diff(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let patch = try? UnifiedDiff(parsing: text) else { return }
        let original = ["alpha", "beta", "gamma", "", "delta"]
        for file in patch.files { _ = try? UnifiedDiff.apply(file, to: original) }
    }

    /// A fetched page (crawl): text, title and links of any bytes, the attribute lookup included.
    static func html(_ bytes: [UInt8]) {
        _ = HTMLText(String(decoding: bytes, as: UTF8.self))
    }

    /// code_search's regex: the first line is the pattern (both case modes), the rest the lines
    /// it runs on under a work budget. A pattern is refused or compiled, never a trap.
    static func regex(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        let parts = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false)
        for ignoreCase in [false, true] {
            guard let regex = try? LinearRegex(String(parts[0]), ignoreCase: ignoreCase) else { continue }
            let matcher = regex.matcher()
            matcher.budget = 1_000_000
            for line in (parts.count > 1 ? parts[1] : "").split(separator: "\n", omittingEmptySubsequences: false) {
                _ = matcher.matches(line)
            }
        }
    }

    /// Splits at offsets taken from the input itself, so libFuzzer explores the splits too.
    static func chunks(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        guard let first = bytes.first else { return [] }
        var result: [ArraySlice<UInt8>] = []
        var start = 0
        let step = Int(first % 7) + 1
        while start < bytes.count {
            let end = min(bytes.count, start + step + (start % 3))
            result.append(bytes[start..<end])
            start = end
        }
        return result
    }
}

/// libFuzzer's entry point: one input for the selected target.
@_cdecl("LLVMFuzzerTestOneInput")
public func LLVMFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let target = FuzzTargets.selected else {
        print("set FUZZ_TARGET to one of: \(FuzzTargets.all.keys.sorted().joined(separator: " "))")
        exit(2)
    }
    target(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    return 0
}
