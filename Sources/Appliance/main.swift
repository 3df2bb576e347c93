import CSQLite
import CMbedTLS
import CCurl
print(String(cString: sqlite3_libversion()))
