"""The portal's routes, one module per audience: public, employee, staff, governance (staff)."""
