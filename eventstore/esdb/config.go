package esdb

import (
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	es "github.com/EventStore/EventStore-Client-Go/v4/esdb"
)

// Config configures Open. Only URL is required.
type Config struct {
	// URL is the connection string, as EventStore-Client-Go reads it:
	// "esdb://[user:password@]host[:port][?settings]" for one node (or a
	// comma-separated list of gossip seeds), "esdb+discover://host" for DNS
	// discovery. Settings include tls=false (plain text), tlsVerifyCert,
	// tlsCAFile, userCertFile / userKeyFile, maxDiscoverAttempts,
	// discoveryInterval (ms), gossipTimeout (s), keepAliveInterval and
	// nodePreference.
	URL string

	// TLS adds to the URL's TLS settings.
	TLS TLS

	// Username and Password, when set, replace the credentials of the URL.
	// The client sends credentials only over TLS, so Open refuses them
	// when TLS is disabled instead of connecting unauthenticated.
	Username, Password string

	// Namespace, when set, is prepended to every stream name on the
	// server, and reads and subscriptions see only streams under it, so
	// several deployments (or test runs) can share one cluster. Hash
	// chains cover the stream names without the namespace.
	Namespace string

	// MaxEventSize limits the type, data and metadata of one event
	// (default: MaxAppendSize less 4 KiB).
	MaxEventSize int
	// MaxAppendSize limits one append as stored (types, data and metadata
	// with the adapter's envelope); keep it at or below the server's
	// MaxAppendSize (default 1 MiB, the server's default).
	MaxAppendSize int

	// RetryWindow is how many of a stream's latest events an append
	// compares with its event IDs to recognise a retry (default 32). An
	// append with an exact expected revision (or NoStream) is also
	// recognised however far back it was.
	RetryWindow int
	// TailCacheSize is how many streams' latest events the store keeps to
	// append without reading first (default 10000; negative: none).
	TailCacheSize int
	// ConflictRetries bounds the retries of an Any or StreamExists append
	// (or one whose cached head was stale) that lost a race (default 100).
	ConflictRetries int

	// PageSize is ReadAll's default max and the size of its reads of $all
	// (default 500).
	PageSize int
	// MaxScan bounds the events one ReadAll call examines before it
	// returns a short page with a Checkpoint (default 4096; negative: no
	// bound).
	MaxScan int

	// MaxSearchWindow and CheckpointInterval are the server-side filter
	// settings of subscriptions: the server sends a checkpoint after about
	// MaxSearchWindow × CheckpointInterval skipped events (defaults 32
	// and 1).
	MaxSearchWindow    int
	CheckpointInterval int
	// ResubscribeFor is how long a subscription dropped by the server (a
	// node restart, a network cut) keeps trying to resume from its last
	// position before Recv reports the error (default 30s; negative: it
	// never resumes).
	ResubscribeFor time.Duration

	// ConnectTimeout bounds Open's first round trip to the cluster
	// (default 10s). Negative: Open does not contact the cluster; the
	// first operation does.
	ConnectTimeout time.Duration
	// CloseTimeout is how long Close lets operations in flight finish
	// before it cancels them (default 5s).
	CloseTimeout time.Duration

	// Logger, when set, receives the client's log lines (level is "debug",
	// "info", "warn" or "error"). By default the client logs nothing.
	Logger func(level, msg string)
}

// TLS holds TLS settings that add to those of the URL.
type TLS struct {
	// Disable connects in plain text (as tls=false in the URL does).
	Disable bool
	// CAFile is a PEM file of certificate authorities to trust (as
	// tlsCAFile); RootCAs is the same as a pool. By default the system
	// roots are trusted.
	CAFile  string
	RootCAs *x509.CertPool
	// CertFile and KeyFile are a client certificate and its key, for X.509
	// user authentication (as userCertFile and userKeyFile).
	CertFile, KeyFile string
	// InsecureSkipVerify accepts any server certificate (as
	// tlsVerifyCert=false). For tests only.
	InsecureSkipVerify bool
}

// Defaults.
const (
	defaultMaxAppendSize   = 1 << 20
	defaultRetryWindow     = 32
	defaultTailCacheSize   = 10_000
	defaultConflictRetries = 100
	defaultPageSize        = 500
	defaultMaxScan         = 4096
	defaultSearchWindow    = 32
	defaultResubscribeFor  = 30 * time.Second
	defaultConnectTimeout  = 10 * time.Second
	defaultCloseTimeout    = 5 * time.Second
)

// withDefaults returns c with zero fields set to their defaults, or an error
// for settings that cannot work.
func (c Config) withDefaults() (Config, error) {
	if c.MaxAppendSize <= 0 {
		c.MaxAppendSize = defaultMaxAppendSize
	}
	if c.MaxEventSize <= 0 {
		c.MaxEventSize = c.MaxAppendSize - 4<<10
	}
	if c.MaxEventSize+envelopeMax > c.MaxAppendSize {
		return c, fmt.Errorf("esdb: MaxEventSize %d leaves no room for the %d-byte chain envelope under MaxAppendSize %d", c.MaxEventSize, envelopeMax, c.MaxAppendSize)
	}
	if c.RetryWindow <= 0 {
		c.RetryWindow = defaultRetryWindow
	}
	if c.TailCacheSize == 0 {
		c.TailCacheSize = defaultTailCacheSize
	}
	if c.ConflictRetries <= 0 {
		c.ConflictRetries = defaultConflictRetries
	}
	if c.PageSize <= 0 {
		c.PageSize = defaultPageSize
	}
	if c.MaxScan == 0 {
		c.MaxScan = defaultMaxScan
	}
	if c.MaxSearchWindow <= 0 {
		c.MaxSearchWindow = defaultSearchWindow
	}
	if c.CheckpointInterval <= 0 {
		c.CheckpointInterval = 1
	}
	if c.ResubscribeFor == 0 {
		c.ResubscribeFor = defaultResubscribeFor
	}
	if c.ConnectTimeout == 0 {
		c.ConnectTimeout = defaultConnectTimeout
	}
	if c.CloseTimeout <= 0 {
		c.CloseTimeout = defaultCloseTimeout
	}
	if strings.HasPrefix(c.Namespace, "$") || strings.ContainsAny(c.Namespace, " \t\r\n") || len(c.Namespace) > 64 {
		return c, fmt.Errorf("esdb: namespace %q: want at most 64 bytes without spaces, not starting with '$'", c.Namespace)
	}
	return c, nil
}

// clientConfig parses the URL and applies the Config on top, giving the
// client's configuration.
func (c Config) clientConfig() (*es.Configuration, error) {
	if c.URL == "" {
		return nil, errors.New("esdb: no connection URL (esdb://host:2113, or esdb://host:2113?tls=false for plain text)")
	}
	conf, err := es.ParseConnectionString(c.URL)
	if err != nil {
		return nil, fmt.Errorf("esdb: connection URL %s: %w", redact(c.URL), err)
	}
	if c.Username != "" || c.Password != "" {
		conf.Username, conf.Password = c.Username, c.Password
	}
	t := c.TLS
	if t.Disable {
		conf.DisableTLS = true
	}
	if t.CAFile != "" {
		pem, err := os.ReadFile(t.CAFile)
		if err != nil {
			return nil, fmt.Errorf("esdb: TLS CA file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("esdb: TLS CA file %s holds no PEM certificate", t.CAFile)
		}
		conf.RootCAs = pool
	}
	if t.RootCAs != nil {
		conf.RootCAs = t.RootCAs
	}
	if t.CertFile != "" || t.KeyFile != "" {
		conf.UserCertFile, conf.UserKeyFile = t.CertFile, t.KeyFile
	}
	if t.InsecureSkipVerify {
		conf.SkipCertificateVerification = true
	}
	if err := conf.Validate(); err != nil {
		return nil, fmt.Errorf("esdb: %w", err)
	}
	if conf.DisableTLS && (conf.Username != "" || conf.Password != "") {
		return nil, fmt.Errorf("esdb: %s: credentials are set but TLS is disabled: the client sends credentials only over TLS and would connect unauthenticated; enable TLS or remove the credentials", redact(c.URL))
	}
	if conf.DisableTLS && conf.UserCertFile != "" {
		return nil, fmt.Errorf("esdb: %s: a client certificate is set but TLS is disabled", redact(c.URL))
	}
	if c.Logger != nil {
		log := c.Logger
		conf.Logger = func(level es.LogLevel, format string, args ...any) { log(level, fmt.Sprintf(format, args...)) }
	} else {
		conf.Logger = es.NoopLogging()
	}
	return conf, nil
}

// redact removes the credentials from a connection URL, for messages.
func redact(u string) string {
	scheme := strings.Index(u, "://")
	at := strings.LastIndex(u, "@")
	if scheme < 0 || at < scheme {
		return u
	}
	return u[:scheme+3] + u[at+1:]
}
