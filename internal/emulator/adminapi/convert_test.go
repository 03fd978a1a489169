package adminapi

import (
	"reflect"
	"testing"
	"time"

	"github.com/globaldb/globaldb/internal/emulator/admin"
	"github.com/globaldb/globaldb/internal/emulator/faults"
)

// TestFault_fieldsMatch keeps the API's Fault and the registry's Fault in
// step: a field added to one and not the other (or to the conversions)
// fails here rather than being dropped silently on the wire.
func TestFault_fieldsMatch(t *testing.T) {
	at, ft := reflect.TypeOf(admin.Fault{}), reflect.TypeOf(faults.Fault{})
	if at.NumField() != ft.NumField() {
		t.Fatalf("admin.Fault has %d fields, faults.Fault %d", at.NumField(), ft.NumField())
	}
	for i := range at.NumField() {
		a, f := at.Field(i), ft.Field(i)
		if a.Name != f.Name || a.Tag != f.Tag || a.Type.Kind() != f.Type.Kind() {
			t.Errorf("field %d: admin.Fault %s %s `%s`, faults.Fault %s %s `%s`", i, a.Name, a.Type, a.Tag, f.Name, f.Type, f.Tag)
		}
	}
	full := faults.Fault{ID: "f-1", Kind: faults.LinkFault, Region: "r", Instance: "i", From: "a", To: "b",
		Delay: faults.Duration(time.Second), Cut: true, Created: time.Unix(1, 0).UTC()}
	if got := fromAPI(toAPI(full)); got != full {
		t.Errorf("fromAPI(toAPI(%+v)) = %+v", full, got)
	}
	if got, want := toAPI(full).String(), full.String(); got != want {
		t.Errorf("admin.Fault.String = %q, faults.Fault.String = %q", got, want)
	}
}
