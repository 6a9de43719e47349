"""Input of the exchange staff pages (the services validate again and decide)."""

from __future__ import annotations

from django import forms


class ReceiverForm(forms.Form):
    name = forms.CharField(label="名称", max_length=100, help_text="如：兴隆台区行政执法公示平台")
    url = forms.CharField(label="接收地址", max_length=500, help_text="http:// 或 https:// 开头，接收 POST 的 JSON")
    topics = forms.CharField(
        label="订阅主题", max_length=1000, help_text="多个主题用逗号或空格分隔；registry.* 表示全部清单，* 表示全部"
    )
    secret = forms.CharField(
        label="签名密钥",
        required=False,
        max_length=200,
        widget=forms.PasswordInput(render_value=False),
        help_text="与对方平台约定的密钥；留空则自动生成，仅显示一次",
    )
    note = forms.CharField(label="备注", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    all_agencies = forms.BooleanField(label="推送全部执法主体的信息（仅系统管理员）", required=False)


class ReceiverEditForm(forms.Form):
    url = forms.CharField(label="接收地址", max_length=500)
    topics = forms.CharField(label="订阅主题", max_length=1000)
    note = forms.CharField(label="备注", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ReasonForm(forms.Form):
    reason = forms.CharField(label="原因", max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
