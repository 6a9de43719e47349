"""The demo deployment: ``sanxiang seed_demo`` (兴隆台区应急管理局 as the 2019 plan describes it)."""
