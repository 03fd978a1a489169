package regionswitch

import "github.com/globaldb/globaldb/internal/emulator/rds"

// The emulated RDS model is what the integrator passes as Config.RDS.
var _ RDS = (*rds.Service)(nil)
