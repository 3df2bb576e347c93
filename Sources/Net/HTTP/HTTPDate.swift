import Glibc
import Synchronization

/// The `Date` header every answer carries (RFC 9110 IMF-fixdate, "Sun, 06 Nov 1994 08:49:37
/// GMT"), formatted once per second: reading the clock is a vDSO call, formatting is not.
public final class HTTPDate: Sendable {
    private struct Cached {
        var second: Int = .min
        var text = ""
    }
    private let cached = Mutex(Cached())

    public init() {}

    /// Now, to the second.
    public var now: String {
        let second = time(nil)
        return cached.withLock { cached in
            if cached.second != second {
                cached = Cached(second: second, text: Self.format(secondsSince1970: second))
            }
            return cached.text
        }
    }

    private static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    static func format(secondsSince1970 seconds: Int) -> String {
        let time = CivilTime(secondsSince1970: seconds)
        let two = { (value: Int) in CivilTime.padded(value, 2) }
        return "\(weekdays[time.weekday]), \(two(time.day)) \(months[time.month - 1]) \(time.year) "
            + "\(two(time.hour)):\(two(time.minute)):\(two(time.second)) GMT"
    }
}
