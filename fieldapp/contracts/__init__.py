"""Family-doctor teams and contracts (家庭医生签约服务)."""
