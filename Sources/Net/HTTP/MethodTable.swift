public import Hummingbird
import Synchronization

/// Every registered (path pattern, method), so an unmatched request on a known path gets
/// 405 with `Allow` instead of 404. Filled while routes are registered, read afterwards;
/// the mutex makes that hand-over safe.
public final class MethodTable: Sendable {
    private let entries = Mutex<[(segments: [Substring], method: HTTPRequest.Method)]>([])

    public init() {}

    func record(_ path: String, _ method: HTTPRequest.Method) {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        entries.withLock { $0.append((segments, method)) }
    }

    /// Methods registered for a concrete request path (":param" and "*" match one segment,
    /// "**" the rest).
    public func allowedMethods(for path: String) -> [HTTPRequest.Method] {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        return entries.withLock { entries in
            var seen: [HTTPRequest.Method] = []
            for entry in entries where Self.matches(entry.segments, parts) && !seen.contains(entry.method) {
                seen.append(entry.method)
            }
            return seen
        }
    }

    private static func matches(_ pattern: [Substring], _ parts: [Substring]) -> Bool {
        var i = 0
        for segment in pattern {
            if segment == "**" { return true }
            guard i < parts.count else { return false }
            if !(segment.hasPrefix(":") || segment == "*" || segment == parts[i]) { return false }
            i += 1
        }
        return i == parts.count
    }
}

/// A `RouterMethods` that registers on a Hummingbird `Router` and records each route in a
/// `MethodTable`. Controllers take `some RouterMethods<AppRequestContext>` and never know.
public struct RecordingRouter: RouterMethods {
    public typealias Context = AppRequestContext
    public let router: Router<AppRequestContext>
    public let table: MethodTable

    public init(router: Router<AppRequestContext>, table: MethodTable) {
        self.router = router
        self.table = table
    }

    @discardableResult
    public func on<Responder: HTTPResponder>(_ path: RouterPath, method: HTTPRequest.Method, responder: Responder) -> Self
    where Responder.Context == AppRequestContext {
        table.record(path.description, method)
        router.on(path, method: method, responder: responder)
        return self
    }

    @discardableResult
    public func add(middleware: any MiddlewareProtocol<Request, Response, AppRequestContext>) -> Self {
        router.add(middleware: middleware)
        return self
    }
}
