public import Hummingbird

/// Counts every request by the route template the router matched (Hummingbird names paths
/// no route matches "NotFound") and final status. Registered first, outside the error middleware, so
/// it sees the status the client gets.
public struct HTTPMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: HTTPMetrics

    public init(metrics: HTTPMetrics) { self.metrics = metrics }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        do {
            let response = try await next(request, context)
            record(context: context, status: response.status.code, started: started)
            return response
        } catch let error as any HTTPResponseError {
            record(context: context, status: error.status.code, started: started)
            throw error
        } catch {
            record(context: context, status: 500, started: started)
            throw error
        }
    }

    private func record(context: Context, status: Int, started: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - started
        let (seconds, attoseconds) = elapsed.components
        // Clamped: a duration past Int64 nanoseconds (292 years) is not a real request.
        let nanoseconds = seconds >= Int64.max / 1_000_000_000 ? Int64.max : seconds * 1_000_000_000 + attoseconds / 1_000_000_000
        metrics.record(route: context.endpointPath ?? "unmatched", status: status, nanoseconds: nanoseconds)
    }
}
