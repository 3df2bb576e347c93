public import Hummingbird
public import Net
import FoundationEssentials

/// Feeds `RequestStats` with every request's status and time to response head. Sits just
/// inside `ErrorMiddleware`, so a thrown error counts with the status it will be answered with.
public struct RequestStatsMiddleware: RouterMiddleware {
    public typealias Context = AppRequestContext
    let stats: RequestStats

    public init(stats: RequestStats) { self.stats = stats }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        do {
            let response = try await next(request, context)
            record(Int(response.status.code), since: started)
            return response
        } catch {
            record(Int((error as? any HTTPResponseError)?.status.code ?? 500), since: started)
            throw error
        }
    }

    private func record(_ status: Int, since started: ContinuousClock.Instant) {
        stats.record(status: status, latency: .now - started, unixSeconds: Int64(Date().timeIntervalSince1970))
    }
}
