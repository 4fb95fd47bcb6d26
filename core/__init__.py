"""chainstep.core: the numerics, the step trace and the scenario loader. Never imports textual."""
