using MQTTnet;

namespace Zamio.Agent.Mqtt;

/// <summary>The broker answered CONNECT with a refusal (bad credentials, not authorised, ...).</summary>
public sealed class BrokerRefusedException : Exception
{
    public BrokerRefusedException()
    {
    }

    public BrokerRefusedException(string message)
        : base(message)
    {
    }

    public BrokerRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public BrokerRefusedException(MqttClientConnectResultCode resultCode)
        : base($"broker refused the connection ({resultCode})")
    {
        ResultCode = resultCode;
    }

    public MqttClientConnectResultCode ResultCode { get; }

    public bool IsCredentialProblem => ResultCode is MqttClientConnectResultCode.BadUserNameOrPassword
        or MqttClientConnectResultCode.NotAuthorized;
}
